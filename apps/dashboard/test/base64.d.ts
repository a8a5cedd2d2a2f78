export function bytesToBase64(bytes: Uint8Array): string;
export function base64ToBytes(base64: string): Uint8Array<ArrayBuffer>;
