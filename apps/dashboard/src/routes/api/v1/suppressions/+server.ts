import { addSuppressionEntry, listSuppressionPage } from '$lib/server/api/suppressions';

export const GET = listSuppressionPage;
export const POST = addSuppressionEntry;
