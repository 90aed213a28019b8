package io.salience.attribution;

import io.salience.graph.Branch;
import io.salience.imaging.MapResizer;
import io.salience.imaging.ResizeMethod;
import java.util.List;
import java.util.Map;
import org.springframework.stereotype.Component;

/** Guided Grad-CAM (Selvaraju et al. 2017): Grad-CAM upsampled bilinearly to the input, times guided backprop. */
@Component
public class GuidedGradCamMethod implements SaliencyMethod {

    private final GradCamMethod gradCam;
    private final GuidedBackpropMethod guided;

    public GuidedGradCamMethod(GradCamMethod gradCam, GuidedBackpropMethod guided) {
        this.gradCam = gradCam;
        this.guided = guided;
    }

    @Override
    public String name() {
        return "guided-grad-cam";
    }

    @Override
    public String description() {
        return "Guided Grad-CAM (Selvaraju et al. 2017): bilinearly upsampled Grad-CAM times guided backprop.";
    }

    @Override
    public boolean usesLayer() {
        return true;
    }

    @Override
    public List<Branch> branches(AttributionContext ctx) {
        List<Branch> both = new java.util.ArrayList<>(gradCam.branches(ctx));
        both.addAll(guided.branches(ctx));
        return both;
    }

    @Override
    public SaliencyMap compute(AttributionContext ctx) {
        SaliencyMap cam = gradCam.compute(ctx);
        float[] up = MapResizer.resize(
                cam.values(), cam.width(), cam.height(), 1, ctx.width(), ctx.height(), ResizeMethod.BILINEAR);
        float[] g = guided.attribute(ctx, List.of(ctx.input())).get(0);
        int c = ctx.channels();
        for (int i = 0; i < g.length; i++) {
            g[i] *= up[i / c];
        }
        return new SaliencyMap(g, ctx.height(), ctx.width(), c, Map.of(), cam.layer());
    }
}
