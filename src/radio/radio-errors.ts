import { ValueError } from '../core/errors.js';

// Typed errors of the radio layer. Each is a ValueError (a CallerError): the caller asked for a
// region, data rate, payload or frequency that the regional parameters or the regulations do not
// allow. The code is stable; the message names the field, the limit and what came.

export type RadioErrorCode =
  | 'RADIO_UNKNOWN_REGION'
  | 'RADIO_UNKNOWN_DATA_RATE'
  | 'RADIO_PAYLOAD_TOO_LARGE'
  | 'RADIO_FREQUENCY_OUTSIDE_REGION'
  | 'RADIO_FREQUENCY_NOT_IN_SUB_BAND'
  | 'RADIO_DWELL_TIME_EXCEEDED'
  | 'RADIO_AIRTIME_ABOVE_BUDGET';

export class UnknownRegionError extends ValueError {
  constructor(expected: string, actual: unknown) {
    super('region', expected, actual, 'RADIO_UNKNOWN_REGION');
  }
}

/** The data rate is not defined in the region, or not for downlinks. */
export class UnknownDataRateError extends ValueError {
  constructor(field: string, expected: string, actual: unknown) {
    super(field, expected, actual, 'RADIO_UNKNOWN_DATA_RATE');
  }
}

/** A FRMPayload (or fragment) above the data rate's maximum (RP002 table N / M). */
export class PayloadTooLargeError extends ValueError {
  readonly limitBytes: number;

  constructor(field: string, limitBytes: number, why: string, actualBytes: number) {
    super(field, `at most ${limitBytes} bytes (${why})`, `${actualBytes} bytes`, 'RADIO_PAYLOAD_TOO_LARGE');
    this.limitBytes = limitBytes;
  }
}

export class FrequencyOutsideRegionError extends ValueError {
  constructor(field: string, expected: string, actualHz: number) {
    super(field, expected, `${actualHz} Hz`, 'RADIO_FREQUENCY_OUTSIDE_REGION');
  }
}

/** The whole emission (centre ± bandwidth/2) does not lie inside one regulatory sub-band. */
export class FrequencyNotInSubBandError extends ValueError {
  constructor(field: string, expected: string, actual: string) {
    super(field, expected, actual, 'RADIO_FREQUENCY_NOT_IN_SUB_BAND');
  }
}

export class DwellTimeExceededError extends ValueError {
  readonly limitMs: number;

  constructor(field: string, limitMs: number, actualMs: number) {
    super(field, `a time on air of at most ${limitMs} ms (downlink dwell-time limit)`, `${actualMs} ms`, 'RADIO_DWELL_TIME_EXCEEDED');
    this.limitMs = limitMs;
  }
}

/** One transmission is longer than the whole airtime budget of its sub-band window. */
export class AirtimeAboveBudgetError extends ValueError {
  constructor(field: string, budget: string, actualMs: number) {
    super(field, `a time on air within the sub-band budget of ${budget}`, `${actualMs} ms`, 'RADIO_AIRTIME_ABOVE_BUDGET');
  }
}
