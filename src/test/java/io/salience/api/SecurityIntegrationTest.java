package io.salience.api;

import static io.salience.api.ApiClient.json;
import static io.salience.api.ApiClient.png;
import static io.salience.api.ApiClient.text;
import static org.assertj.core.api.Assertions.assertThat;

import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import io.salience.api.ApiClient.Part;
import io.salience.model.ModelRegistry;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalManagementPort;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import tools.jackson.databind.JsonNode;

/**
 * Authentication on: API keys (one in configuration, one in a keys file) and bearer JWTs checked against a public
 * key file, with a required authority. Tokens are signed in the test with a locally generated RSA key; nothing goes
 * over the network.
 */
@SpringBootTest(webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
class SecurityIntegrationTest {

    static final Path MODELS = TestModels.demoWithBroken();
    static final Path DIR = TestModels.tempDir("salience-security");
    static final KeyPair SIGNER = rsa();
    static final KeyPair STRANGER = rsa();

    static final String KEY_ALICE = "alice-key-0f1e2d3c4b5a69788796a5b4c3d2e1f0";
    static final String KEY_BOB = "bob-key-from-the-secret-file-1234567890abcdef";
    static final String KEY_CAROL = "carol-key-without-the-authority-0987654321";
    static final String PREDICT = "/v1/models/idc-demo/predict";

    @DynamicPropertySource
    static void props(DynamicPropertyRegistry r) throws Exception {
        r.add("salience.models.dir", MODELS::toString);
        r.add("salience.security.api-key.enabled", () -> "true");
        r.add("salience.security.api-key.keys[0].principal", () -> "alice");
        r.add("salience.security.api-key.keys[0].sha256", () -> sha256(KEY_ALICE));
        r.add("salience.security.api-key.keys[0].authorities", () -> "salience");
        Path keysFile = DIR.resolve("api-keys");
        Files.writeString(
                keysFile,
                "# principal sha256 authorities\n" + "bob " + sha256(KEY_BOB) + " salience,other\n" + "carol "
                        + sha256(KEY_CAROL) + "\n",
                StandardCharsets.UTF_8);
        r.add("salience.security.api-key.keys-file", keysFile::toString);
        r.add("salience.security.jwt.enabled", () -> "true");
        Path pem = DIR.resolve("jwt-public.pem");
        Files.writeString(
                pem,
                "-----BEGIN PUBLIC KEY-----\n"
                        + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                                .encodeToString(SIGNER.getPublic().getEncoded())
                        + "\n-----END PUBLIC KEY-----\n",
                StandardCharsets.US_ASCII);
        r.add("spring.security.oauth2.resourceserver.jwt.public-key-location", () -> "file:" + pem);
        r.add("spring.security.oauth2.resourceserver.jwt.audiences", () -> "salience");
        r.add("spring.security.oauth2.resourceserver.jwt.authority-prefix", () -> "");
        r.add("spring.security.oauth2.resourceserver.jwt.authorities-claim-name", () -> "scope");
        r.add("salience.security.required-authority", () -> "salience");
    }

    @LocalServerPort
    int port;

    @LocalManagementPort
    int managementPort;

    @Autowired
    ModelRegistry registry;

    ApiClient anonymous;

    @BeforeEach
    void awaitModels() {
        assertThat(registry.awaitLoaded(Duration.ofMinutes(5))).isTrue();
        anonymous = new ApiClient(port);
    }

    @Test
    void withoutCredentialsTheNativeRoutesAnswer401ProblemWithBothChallenges() {
        for (HttpResponse<byte[]> r : List.of(
                anonymous.get("/v1/models"),
                anonymous.get("/v1/methods"),
                predict(anonymous),
                anonymous.get("/v1/jobs/00000000-0000-0000-0000-000000000000"))) {
            JsonNode p = ApiClient.assertProblem(r, 401, URI.create("urn:salience:problem:unauthorized"));
            assertThat(p.path("detail").asString()).contains("X-API-Key").contains("Bearer");
            assertThat(r.headers().allValues("WWW-Authenticate"))
                    .anySatisfy(c -> assertThat(c).startsWith("Bearer"))
                    .anySatisfy(c -> assertThat(c).startsWith("ApiKey").contains("header=\"X-API-Key\""));
            assertThat(r.headers().firstValue("Set-Cookie")).isEmpty();
        }
    }

    @Test
    void protocolRoutesAnswer401InTheirOwnShape() {
        HttpResponse<byte[]> v2 = anonymous.post(
                "/v2/models/idc-demo/infer", "application/json", "{\"inputs\":[]}".getBytes(), "application/json");
        HttpResponse<byte[]> v1 = anonymous.post(
                "/v1/models/idc-demo:predict", "application/json", "{\"instances\":[]}".getBytes(), null);
        HttpResponse<byte[]> meta = anonymous.get("/v2/models/idc-demo");
        for (HttpResponse<byte[]> r : List.of(v2, v1, meta)) {
            assertThat(r.statusCode()).as(text(r)).isEqualTo(401);
            assertThat(ApiClient.contentType(r)).startsWith("application/json");
            assertThat(json(r).path("error").asString()).contains("Authentication is required");
            assertThat(json(r).has("type")).isFalse();
            assertThat(r.headers().allValues("WWW-Authenticate")).hasSize(2);
        }
        // the protocol's probes stay open
        assertThat(anonymous.get("/v2/health/live").statusCode()).isEqualTo(200);
        assertThat(anonymous.get("/v2/health/ready").statusCode()).isEqualTo(400); // broken model: not ready
    }

    @Test
    void apiKeysFromConfigurationAndFromTheKeysFileAuthenticate() {
        for (String key : List.of(KEY_ALICE, KEY_BOB)) {
            HttpResponse<byte[]> r = predict(new ApiClient(port, "X-API-Key", key));
            assertThat(r.statusCode()).as(text(r)).isEqualTo(200);
        }
        HttpResponse<byte[]> models = new ApiClient(port, "X-API-Key", KEY_ALICE).get("/v1/models");
        assertThat(models.statusCode()).isEqualTo(200);
    }

    @Test
    void aWrongApiKeyIs401AndAKeyWithoutTheAuthorityIs403() {
        HttpResponse<byte[]> wrong = predict(new ApiClient(port, "X-API-Key", KEY_ALICE + "x"));
        JsonNode p = ApiClient.assertProblem(wrong, 401, URI.create("urn:salience:problem:unauthorized"));
        assertThat(p.path("detail").asString()).isEqualTo("The API key is not valid");

        HttpResponse<byte[]> carol = predict(new ApiClient(port, "X-API-Key", KEY_CAROL));
        JsonNode f = ApiClient.assertProblem(carol, 403, URI.create("urn:salience:problem:forbidden"));
        assertThat(f.path("detail").asString()).contains("salience");
        HttpResponse<byte[]> carolV2 = new ApiClient(port, "X-API-Key", KEY_CAROL).get("/v2/models/idc-demo");
        assertThat(carolV2.statusCode()).isEqualTo(403);
        assertThat(json(carolV2).path("error").asString()).contains("not allowed");
    }

    @Test
    void signedJwtsAuthenticateAndBadOnesAre401() throws Exception {
        Instant now = Instant.now();
        String good = jwt(SIGNER, "dr-who", "salience", "salience", now.plusSeconds(300));
        assertThat(predict(bearer(good)).statusCode()).isEqualTo(200);

        for (String bad : List.of(
                jwt(SIGNER, "dr-who", "salience", "salience", now.minusSeconds(600)), // expired
                jwt(STRANGER, "dr-who", "salience", "salience", now.plusSeconds(300)), // someone else's key
                jwt(SIGNER, "dr-who", "other-service", "salience", now.plusSeconds(300)), // wrong audience
                "not.a.jwt")) {
            HttpResponse<byte[]> r = predict(bearer(bad));
            ApiClient.assertProblem(r, 401, URI.create("urn:salience:problem:unauthorized"));
            assertThat(r.headers().allValues("WWW-Authenticate"))
                    .anySatisfy(c -> assertThat(c).contains("error=\"invalid_token\""));
        }
        String noScope = jwt(SIGNER, "dr-who", "salience", "read", now.plusSeconds(300));
        ApiClient.assertProblem(predict(bearer(noScope)), 403, URI.create("urn:salience:problem:forbidden"));
    }

    @Test
    void healthDetailsOnlyWhenAuthenticatedAndOtherActuatorEndpointsNeedAPrincipal() {
        ApiClient management = new ApiClient(managementPort);
        HttpResponse<byte[]> open = management.get("/actuator/health/readiness");
        assertThat(open.statusCode()).isEqualTo(503);
        assertThat(json(open).path("status").asString()).isEqualTo("DOWN");
        assertThat(text(open)).doesNotContain("broken").doesNotContain("components");

        HttpResponse<byte[]> authed =
                new ApiClient(managementPort, "X-API-Key", KEY_ALICE).get("/actuator/health/readiness");
        assertThat(text(authed)).contains(TestModels.BROKEN_KEY).contains("idc-demo");
        assertThat(text(authed)).doesNotContain(MODELS.toString()).doesNotContain("/tmp/");

        // the whole health tree, details shown: no absolute path (the disk-space indicator is off)
        String all = text(new ApiClient(managementPort, "X-API-Key", KEY_ALICE).get("/actuator/health"));
        assertThat(all).contains("models").doesNotContain("diskSpace");
        assertThat(all).doesNotContain(Path.of("").toAbsolutePath().toString()).doesNotContain("\"path\"");
        assertThat(management.get("/actuator/health/liveness").statusCode()).isEqualTo(200);
        assertThat(management.get("/actuator/prometheus", "text/plain").statusCode())
                .isEqualTo(200);
        ApiClient.assertProblem(
                management.get("/actuator/metrics"), 401, URI.create("urn:salience:problem:unauthorized"));
        // the actuator is not on the API port
        assertThat(new ApiClient(port, "X-API-Key", KEY_ALICE)
                        .get("/actuator/health")
                        .statusCode())
                .isEqualTo(404);
    }

    @Test
    void anotherPrincipalsJobIs404AndTheAuditNamesThePrincipal() throws Exception {
        ApiClient alice = new ApiClient(port, "X-API-Key", KEY_ALICE);
        ApiClient bob = new ApiClient(port, "X-API-Key", KEY_BOB);
        HttpResponse<byte[]> submitted;
        List<String> audit;
        try (LogCapture logs = new LogCapture()) {
            submitted = alice.multipart(
                    "/v1/models/idc-demo/saliency?async=true",
                    "application/json",
                    List.of(Part.image("x.png", png(50, 50, 8))));
            predict(bearer(
                    jwt(SIGNER, "dr-who", "salience", "salience", Instant.now().plusSeconds(300))));
            audit = logs.messages("salience.audit");
        }
        assertThat(submitted.statusCode()).as(text(submitted)).isEqualTo(202);
        assertThat(audit)
                .anySatisfy(
                        l -> assertThat(l).contains("\"principal\":\"alice\"").contains("/saliency"));
        assertThat(audit)
                .anySatisfy(
                        l -> assertThat(l).contains("\"principal\":\"dr-who\"").contains("/predict"));
        String job = submitted.headers().firstValue("Location").orElseThrow();
        assertThat(job).startsWith("/v1/jobs/");
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (!json(alice.get(job)).path("state").asString().equals("succeeded") && System.nanoTime() < deadline) {
            Thread.sleep(50);
        }
        assertThat(json(alice.get(job)).path("state").asString()).isEqualTo("succeeded");
        assertThat(alice.get(job + "/result").statusCode()).isEqualTo(200);

        URI notFound = URI.create("urn:salience:problem:not-found");
        ApiClient.assertProblem(bob.get(job), 404, notFound);
        ApiClient.assertProblem(bob.get(job + "/result"), 404, notFound);
        ApiClient.assertProblem(bob.delete(job), 404, notFound);
        ApiClient.assertProblem(anonymous.get(job), 401, URI.create("urn:salience:problem:unauthorized"));
        // bob's attempts left alice's job alone
        assertThat(alice.get(job).statusCode()).isEqualTo(200);
        assertThat(alice.delete(job).statusCode()).isEqualTo(204);
        assertThat(alice.get(job).statusCode()).isEqualTo(404);
    }

    @Test
    void theApiDescriptionStaysOpenAndDeclaresBothSchemes() {
        HttpResponse<byte[]> r = anonymous.get("/v3/api-docs");
        assertThat(r.statusCode()).isEqualTo(200);
        JsonNode doc = json(r);
        JsonNode schemes = doc.path("components").path("securitySchemes");
        assertThat(schemes.path("apiKey").path("type").asString()).isEqualTo("apiKey");
        assertThat(schemes.path("apiKey").path("name").asString()).isEqualTo("X-API-Key");
        assertThat(schemes.path("bearerJwt").path("scheme").asString()).isEqualTo("bearer");
        JsonNode predict = doc.path("paths")
                .path("/v1/models/{model}/predict")
                .path("post")
                .path("security");
        assertThat(predict.toString()).contains("apiKey").contains("bearerJwt");
        assertThat(doc.path("paths").path("/v2/health/ready").path("get").has("security"))
                .isFalse();
    }

    private HttpResponse<byte[]> predict(ApiClient client) {
        return client.multipart(PREDICT, "application/json", List.of(Part.image("x.png", png(50, 50, 3))));
    }

    private ApiClient bearer(String token) {
        return new ApiClient(port, "Authorization", "Bearer " + token);
    }

    static String jwt(KeyPair key, String subject, String audience, String scope, Instant expires) throws Exception {
        JWTClaimsSet claims = new JWTClaimsSet.Builder()
                .subject(subject)
                .audience(audience)
                .claim("scope", scope)
                .issueTime(Date.from(expires.minusSeconds(900)))
                .expirationTime(Date.from(expires))
                .build();
        SignedJWT jwt = new SignedJWT(new JWSHeader(JWSAlgorithm.RS256), claims);
        jwt.sign(new RSASSASigner(key.getPrivate()));
        return jwt.serialize();
    }

    static String sha256(String s) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyPair rsa() {
        try {
            KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
            g.initialize(2048);
            return g.generateKeyPair();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }
}
