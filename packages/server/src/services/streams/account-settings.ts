/**
 * Account-level settings (DescribeAccountSettings / UpdateAccountSettings), persisted as one JSON
 * document under `account/settings`. Today that is the minimum throughput billing commitment
 * ("On-demand Advantage"), which UpdateStreamWarmThroughput requires. AWS documents its rules on
 * MinimumThroughputBillingCommitmentInput: a commitment lasts at least 24 hours; disabling it
 * earlier schedules the end for the earliest allowed end time; enabling it again before then
 * cancels the scheduled end.
 */
import type { MetaStore } from '../../storage/ports.js';
import { accountSettingsKey } from './state.js';

/** AWS: "Commitments have a minimum duration of 24 hours that must be honored before they can be disabled." */
export const commitmentDurationMsMin = 24 * 60 * 60 * 1000;
/** Compare-and-set attempts before an update gives up (each loses only to a concurrent update). */
export const settingsUpdateAttemptsMax = 16;

export type CommitmentRequest = 'ENABLED' | 'DISABLED';
export type CommitmentStatus = 'ENABLED' | 'DISABLED' | 'ENABLED_UNTIL_EARLIEST_ALLOWED_END';

/** One commitment period; a new one starts when the commitment is enabled while disabled. */
export interface CommitmentPeriod {
  readonly startedMs: number;
  readonly earliestAllowedEndMs: number;
  /** When the period ends or ended; absent while no end was requested. */
  readonly endMs?: number;
}

export interface AccountSettings {
  /** Absent until the commitment is first enabled. */
  readonly commitment?: CommitmentPeriod;
}

export function commitmentStatus(settings: AccountSettings, nowMs: number): CommitmentStatus {
  const period = settings.commitment;
  if (!period) return 'DISABLED';
  if (period.endMs === undefined) return 'ENABLED';
  return period.endMs > nowMs ? 'ENABLED_UNTIL_EARLIEST_ALLOWED_END' : 'DISABLED';
}

/** While enabled, including a scheduled end that has not come yet, warm throughput is available. */
export function commitmentActive(settings: AccountSettings, nowMs: number): boolean {
  return commitmentStatus(settings, nowMs) !== 'DISABLED';
}

/** The settings after asking for `requested` at `nowMs`. */
export function requestCommitment(
  settings: AccountSettings,
  requested: CommitmentRequest,
  nowMs: number,
): AccountSettings {
  const status = commitmentStatus(settings, nowMs);
  const period = settings.commitment;
  if (requested === 'ENABLED') {
    if (status === 'DISABLED' || !period) {
      return { commitment: { startedMs: nowMs, earliestAllowedEndMs: nowMs + commitmentDurationMsMin } };
    }
    // Enabled already, or a scheduled end that enabling again cancels.
    return { commitment: { startedMs: period.startedMs, earliestAllowedEndMs: period.earliestAllowedEndMs } };
  }
  if (status !== 'ENABLED' || !period) return settings;
  return { commitment: { ...period, endMs: Math.max(nowMs, period.earliestAllowedEndMs) } };
}

/** The MinimumThroughputBillingCommitmentOutput wire shape. */
export function commitmentDescription(settings: AccountSettings, nowMs: number): Record<string, unknown> {
  const status = commitmentStatus(settings, nowMs);
  const period = settings.commitment;
  return {
    Status: status,
    StartedAt: period ? new Date(period.startedMs) : undefined,
    EndedAt: status === 'DISABLED' && period?.endMs !== undefined ? new Date(period.endMs) : undefined,
    EarliestAllowedEndAt: period ? new Date(period.earliestAllowedEndMs) : undefined,
  };
}

export function loadAccountSettings(meta: MetaStore): AccountSettings {
  return meta.get<AccountSettings>(accountSettingsKey)?.value ?? {};
}

/** Applies `change` with compare-and-set, so concurrent updates never lose one another. */
export async function changeAccountSettings(
  meta: MetaStore,
  change: (current: AccountSettings) => AccountSettings,
): Promise<AccountSettings> {
  for (let attempt = 0; attempt < settingsUpdateAttemptsMax; attempt++) {
    const current = meta.get<AccountSettings>(accountSettingsKey);
    const next = change(current?.value ?? {});
    if (await meta.put(accountSettingsKey, next, current?.version ?? null)) return next;
  }
  throw new Error(`account settings changed concurrently ${settingsUpdateAttemptsMax} times in a row`);
}
