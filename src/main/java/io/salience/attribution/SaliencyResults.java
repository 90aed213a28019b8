package io.salience.attribution;

import java.util.List;
import java.util.Map;

/**
 * Several maps of one image for one target ({@code methods=a,b,c}).
 *
 * @param maps one result per method, in the order named
 * @param timings milliseconds of the whole request: decode, preprocess, shared (the run the methods share, with
 *     several methods) and total
 */
public record SaliencyResults(List<SaliencyResult> maps, Map<String, Double> timings) {

    public SaliencyResults {
        maps = List.copyOf(maps);
        timings = Map.copyOf(timings);
    }
}
