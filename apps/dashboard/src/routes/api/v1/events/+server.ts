import { listEvents } from '$lib/server/api/events';

export const GET = listEvents;
