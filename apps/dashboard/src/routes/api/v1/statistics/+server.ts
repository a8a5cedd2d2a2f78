import { getStatistics } from '$lib/server/api/statistics';

export const GET = getStatistics;
