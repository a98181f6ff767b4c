// Times as people read them, in a module without chalk: the engine, the inspector's store and its page use them too.

/** A latency as people read it: one decimal below 10 ms. */
export const ms = (value: number) => `${value < 10 ? value.toFixed(1) : Math.round(value)} ms`;

/** A latency or a deadline: in ms below a second, else in seconds (9.1 s, 10 s). */
export const duration = (value: number) => (value < 1000 ? ms(value) : `${Number((value / 1000).toFixed(2))} s`);
