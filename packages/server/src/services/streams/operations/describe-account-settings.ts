import { commitmentDescription, loadAccountSettings } from '../account-settings.js';
import type { Operation } from '../context.js';

export const describeAccountSettings: Operation = async (context) => ({
  MinimumThroughputBillingCommitment: commitmentDescription(loadAccountSettings(context.meta), context.clock()),
});
