import {
  type CommitmentRequest,
  changeAccountSettings,
  commitmentDescription,
  requestCommitment,
} from '../account-settings.js';
import type { Operation } from '../context.js';

export const updateAccountSettings: Operation = async (context, input) => {
  const requested = (input.MinimumThroughputBillingCommitment as { Status: CommitmentRequest }).Status;
  const nowMs = context.clock();
  const settings = await changeAccountSettings(context.meta, (current) => requestCommitment(current, requested, nowMs));
  return { MinimumThroughputBillingCommitment: commitmentDescription(settings, nowMs) };
};
