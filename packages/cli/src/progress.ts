// Progress bars on stderr (cli-progress): shown only when stderr is a terminal and output is not
// --json, so pipes, CI logs and tests get clean output.
import cliProgress from 'cli-progress';

/** A progress bar, or a no-op when disabled. */
export interface Progress {
  /** Sets the total (for example when it becomes known after the first report). */
  setTotal(total: number): void;
  /** Sets the number of units done; `detail` is shown after the bar. */
  update(done: number, detail?: string): void;
  /** Finishes and removes the bar. */
  stop(): void;
}

const noop: Progress = { setTotal() {}, update() {}, stop() {} };

/** Whether bars are drawn: stderr is a TTY and `FV_NO_PROGRESS` is not set. */
export function progressEnabled(json: boolean | undefined): boolean {
  return !json && process.stderr.isTTY === true && !process.env.FV_NO_PROGRESS;
}

/** Starts a bar with an ETA: `label [=====-----] 3/10 | ETA 4s | detail`. */
export function startProgress(label: string, total: number, enabled: boolean): Progress {
  if (!enabled) return noop;
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {value}/{total} | {percentage}% | ETA {eta_formatted} | {detail}`,
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: true,
      etaBuffer: 20,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { detail: '' });
  return {
    setTotal: (t) => bar.setTotal(t),
    update: (done, detail = '') => bar.update(done, { detail }),
    stop: () => bar.stop(),
  };
}
