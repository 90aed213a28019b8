package io.salience.api;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.springframework.mock.web.MockHttpServletRequest;

/** A flood of 500s writes one WARN line and no stack trace above DEBUG. */
class InternalErrorLogTest {

    @Test
    void aThousandInternalErrorsWriteOneWarnLineAndNoErrorOrStackTrace() {
        Logger logger = (Logger) LoggerFactory.getLogger(ProblemAdvice.class);
        ListAppender<ILoggingEvent> events = new ListAppender<>();
        events.start();
        logger.addAppender(events);
        Level before = logger.getLevel();
        logger.setLevel(Level.INFO);
        try {
            ProblemAdvice advice = new ProblemAdvice();
            MockHttpServletRequest request = new MockHttpServletRequest("POST", "/v1/models/m/saliency");
            for (int i = 0; i < 1000; i++) {
                var r = advice.internal(new IllegalStateException("boom " + i), request);
                assertThat(r.getStatusCode().value()).isEqualTo(500);
            }
        } finally {
            logger.detachAppender(events);
            logger.setLevel(before);
        }
        assertThat(events.list).noneMatch(e -> e.getLevel().isGreaterOrEqual(Level.ERROR));
        assertThat(events.list).noneMatch(e -> e.getThrowableProxy() != null);
        assertThat(events.list.stream().filter(e -> e.getLevel() == Level.WARN))
                .hasSize(1)
                .first()
                .satisfies(e -> assertThat(e.getFormattedMessage()).contains("boom 0"));
    }
}
