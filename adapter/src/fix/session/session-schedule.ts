/**
 * When a scheduled session is up, in the configured time zone: `startTime`..`endTime` on the listed
 * days (the day the session starts), overnight when the end is earlier than the start, and around the
 * clock on the listed days when both are equal.
 */

export type Weekday = 'mon' | 'tue' | 'wed' | 'thu' | 'fri' | 'sat' | 'sun';

export interface ScheduleConfig {
  startTime: string;
  endTime: string;
  timeZone?: string;
  weekdays?: Weekday[];
  dailyReset?: boolean;
}

const WEEKDAY_INDEX: Record<string, number> = { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 };
const SHORT_NAMES = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

function secondsOfDay(time: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d):([0-5]\d)$/.exec(time);
  if (!m) throw new Error(`time of day ${time} is not HH:MM:SS`);
  return Number(m[1]) * 3600 + Number(m[2]) * 60 + Number(m[3]);
}

export class SessionSchedule {
  private readonly start: number;
  private readonly end: number;
  private readonly days: ReadonlySet<number>;
  private readonly format: Intl.DateTimeFormat;
  readonly dailyReset: boolean;

  constructor(config: ScheduleConfig) {
    this.start = secondsOfDay(config.startTime);
    this.end = secondsOfDay(config.endTime);
    this.days = new Set((config.weekdays ?? ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun']).map((d) => WEEKDAY_INDEX[d]!));
    // Throws a RangeError for an unknown time zone, which is what a bad config deserves.
    this.format = new Intl.DateTimeFormat('en-US', {
      timeZone: config.timeZone ?? 'UTC',
      hourCycle: 'h23',
      weekday: 'short',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    this.dailyReset = config.dailyReset ?? false;
  }

  private local(epochMs: number): { day: number; seconds: number } {
    let day = 0;
    let h = 0;
    let m = 0;
    let s = 0;
    for (const part of this.format.formatToParts(new Date(epochMs))) {
      if (part.type === 'weekday') day = SHORT_NAMES.indexOf(part.value);
      else if (part.type === 'hour') h = Number(part.value);
      else if (part.type === 'minute') m = Number(part.value);
      else if (part.type === 'second') s = Number(part.value);
    }
    return { day, seconds: h * 3600 + m * 60 + s };
  }

  isInSession(epochMs: number): boolean {
    const { day, seconds } = this.local(epochMs);
    const yesterday = (day + 6) % 7;
    if (this.start === this.end) return this.days.has(day);
    if (this.start < this.end) return this.days.has(day) && seconds >= this.start && seconds < this.end;
    return (this.days.has(day) && seconds >= this.start) || (this.days.has(yesterday) && seconds < this.end);
  }

  /** The instant the current (or most recent) session period began, for the daily reset. */
  periodStart(epochMs: number): number {
    const { seconds } = this.local(epochMs);
    const since = seconds >= this.start ? seconds - this.start : seconds + 86400 - this.start;
    return epochMs - since * 1000 - (epochMs % 1000);
  }
}
