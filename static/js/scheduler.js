/* Request lanes, followers and debouncing: the page never shows an out-of-date answer.
 *
 * A lane is one kind of request that only its latest call matters for (the edited image, the sweep,
 * the interpolation…). Each call aborts the one before; an answer that arrives after a newer call
 * started is dropped by rejecting with STALE, so a burst of slider moves ends on the image of the last
 * one, whatever order the answers come in. `isCancellation` tells these expected rejections from real
 * failures. Uses only AbortController and timers: Node's test runner imports this module as it is.
 */

/** The rejection of a lane call that a newer call overtook. */
export const STALE = Symbol("stale");

/** True for the rejections a lane causes on purpose: stale answers and aborted requests. */
export function isCancellation(err) {
  return err === STALE || Boolean(err && err.name === "AbortError");
}

/** A lane: `lane(signal => request(signal))` runs the request with a fresh AbortSignal after aborting
 * the previous call's; resolves with its result only if no newer call started meanwhile.
 * `lane.cancel()` aborts and drops the call in flight without starting one. */
export function createLane() {
  let latest = 0;
  let controller = null;

  function abortCurrent() {
    if (controller) controller.abort();
    controller = null;
  }

  async function lane(task) {
    const id = ++latest;
    abortCurrent();
    controller = new AbortController();
    const result = await task(controller.signal);
    if (id !== latest) throw STALE;
    return result;
  }

  lane.cancel = () => {
    latest++;
    abortCurrent();
  };
  return lane;
}

/** A follower runs `task` for a stream of changes (a dragged slider) at the pace of its answers: at
 * most one call in flight; changes that arrive meanwhile collapse into one more call, made as soon as
 * the answer arrives. Intermediate values are dropped, never queued, and the last change is always
 * sent, so the image moves with the drag and ends on its last value. `task` reads the current value
 * itself when it starts. A failed call is reported (the promise rejects) unless a newer change is
 * already waiting, which then runs instead. */
export function createFollower(task) {
  let inFlight = null;
  let again = false;

  async function run() {
    try {
      do {
        again = false;
        try {
          await task();
        } catch (err) {
          if (!again) throw err;
        }
      } while (again);
    } finally {
      inFlight = null;
    }
  }

  return function follow() {
    if (inFlight) {
      again = true;
    } else {
      inFlight = run();
    }
    return inFlight;
  };
}

/** `fn` called `ms` after the last of a burst of calls, with that call's arguments; `.cancel()` drops
 * a pending call. */
export function debounce(fn, ms) {
  let timer = null;
  const debounced = (...args) => {
    clearTimeout(timer);
    timer = setTimeout(() => fn(...args), ms);
  };
  debounced.cancel = () => clearTimeout(timer);
  return debounced;
}
