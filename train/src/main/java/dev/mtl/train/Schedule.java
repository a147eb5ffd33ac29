package dev.mtl.train;

/**
 * Learning-rate multiplier over steps: linear warmup from 0, then constant, linear decay to 0, or
 * half-cosine decay to 0 (transformers' get_linear/cosine_schedule_with_warmup).
 */
public final class Schedule {

    private Schedule() {}

    /** Multiplier in [0, 1] for optimizer step {@code step} (0-based) of {@code total}. */
    public static double factor(ScheduleKind kind, long step, long total, long warmup) {
        if (warmup > 0 && step < warmup) {
            return (double) (step + 1) / warmup;
        }
        if (kind == ScheduleKind.CONSTANT) {
            return 1;
        }
        double progress = total <= warmup ? 1 : (double) (step - warmup) / (total - warmup);
        progress = Math.min(1, Math.max(0, progress));
        return kind == ScheduleKind.LINEAR ? 1 - progress : 0.5 * (1 + Math.cos(Math.PI * progress));
    }
}
