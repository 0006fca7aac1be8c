/* The numbers the page is built on, named once.
 *
 * Slider range, debounce delays, the k the input panel estimates log p(x) with, the ranges the number
 * fields are clamped to, retry policy while the service loads its models. The HTML repeats a few of
 * them as attributes (min/max/value of the inputs); these are what the script enforces. No DOM here:
 * Node's test runner imports this module as it is.
 */

/** Attribute sliders run from −3 to +3 in steps of 0.1; the sweep strip spans the same range. */
export const SLIDER_MIN = -3;
export const SLIDER_MAX = 3;
export const SLIDER_STEP = 0.1;

/** A slider let go: the sweep of another attribute is asked for once the hand has been still this long. */
export const SWEEP_DEBOUNCE_MS = 80;
/** A drawing is encoded this long after the pen is lifted, so a quick second stroke is included. */
export const ENCODE_DEBOUNCE_MS = 250;
/** Typing a number of interpolation steps waits this long before asking again. */
export const INTERPOLATE_DEBOUNCE_MS = 150;
/** Quick answers should not flash a spinner: it appears only after this delay. */
export const SPINNER_DELAY_MS = 150;
/** "Link copied" turns back into "Copy link" after this. */
export const COPY_FEEDBACK_MS = 2000;

/** While the service loads its models it answers 503: ask again every second (or as its Retry-After
 * says), 120 times. */
export const MODEL_LOAD_RETRIES = 120;
export const MODEL_LOAD_RETRY_MS = 1000;

/** A busy service answers 503 with Retry-After: a request is sent again at most this many times… */
export const API_RETRIES = 2;
/** …and only when the wait asked for is this short (seconds); a longer one is reported at once. */
export const API_RETRY_MAX_WAIT_S = 5;

/** Importance samples for the log p(x) estimate of an encoded input. */
export const ENCODE_K = 50;
/** Posterior samples shown for an encoded input. */
export const POSTERIOR_SAMPLES = 16;
/** Largest k of the bound chart when a model does not say (the server's own cap). */
export const DEFAULT_MAX_K = 5000;
/** The bound measurement uses a fixed seed, so measuring twice draws the same samples. */
export const BOUNDS_SEED = 0;

/** Ranges of the number fields: {min, max, fallback for something that is no number}. */
export const SWEEP_FRAMES = Object.freeze({ min: 2, max: 64, fallback: 9 });
export const INTERPOLATION_STEPS = Object.freeze({ min: 2, max: 64, fallback: 10 });
export const SEED_RANGE = Object.freeze({ min: 0, max: 2147483647, fallback: 0 });
export const SAMPLE_COUNT = Object.freeze({ min: 1, max: 64, fallback: 8 });
/** "New seed" draws below this: short enough to read and type back. */
export const NEW_SEED_LIMIT = 1e6;

/** Images up to this height are small greyscale digits: drawn on the pad and shown with hard pixels. */
export const SMALL_IMAGE_SIZE = 32;

/** A transparent pixel for "no image yet": an <img> without src would show a broken-image icon. */
export const BLANK_IMAGE = "data:image/gif;base64,R0lGODlhAQABAIAAAAAAAP///yH5BAEAAAAALAAAAAABAAEAAAIBRAA7";
