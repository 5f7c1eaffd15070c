import { streamErrors } from './errors.js';

/** AWS keeps data between 24 hours and 365 days. */
export const retentionHoursMin = 24;
export const retentionHoursMax = 8760;

export function checkRetentionHours(hours: number): void {
  if (hours < retentionHoursMin) throw streamErrors.retentionTooShort(hours);
  if (hours > retentionHoursMax) throw streamErrors.retentionTooLong(hours);
}
