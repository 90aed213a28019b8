package io.salience.inference;

/**
 * Marks the current thread's pool work as background (jobs): the {@link InferencePool} reads the mark when it
 * enqueues, serves every waiting interactive request before background rows, does not count background work against
 * the admission limits of interactive requests ({@code queue-capacity}, {@code max-queue-wait}) and does not reject
 * it for queue space (the job store bounds it). Bind it on the job thread; clear it when the job ends.
 */
public final class BackgroundPriority {

    private static final ThreadLocal<Boolean> BACKGROUND = new ThreadLocal<>();

    private BackgroundPriority() {}

    /** Marks the current thread's later pool calls as background work. */
    public static void bind() {
        BACKGROUND.set(Boolean.TRUE);
    }

    /** Removes the mark from the current thread. */
    public static void clear() {
        BACKGROUND.remove();
    }

    /** Whether the current thread's pool work is background work. */
    public static boolean isBackground() {
        return BACKGROUND.get() != null;
    }
}
