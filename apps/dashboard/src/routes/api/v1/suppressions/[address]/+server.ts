import { removeSuppressionEntry } from '$lib/server/api/suppressions';

export const DELETE = removeSuppressionEntry;
