import { Injectable } from '@nestjs/common';

/** Time behind an injectable class so tests can hold it still. */
@Injectable()
export class Clock {
  nowMs(): number {
    return Date.now();
  }

  monotonicSeconds(): number {
    return performance.now() / 1000;
  }
}
