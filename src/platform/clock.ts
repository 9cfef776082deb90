/** Where the server reads the time: tests give their own to set it instead of editing stored rows. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** The time of `clock` as stored and answered: ISO-8601 in UTC with milliseconds. */
export const isoNow = (clock: Clock): string => new Date(clock.now()).toISOString();
