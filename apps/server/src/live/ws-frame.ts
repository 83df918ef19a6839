/**
 * One WebSocket message, framed (RFC 6455 §5.2) as a server sends it: a single final fragment, no mask.
 * A server's frames carry no mask, so the bytes are the same for every receiver: the live fan-out frames
 * each message once and writes that one Buffer to every agent's connection, where sending it through
 * each `ws` socket would build a header per agent and write it in two parts.
 */
function frame(opcode: 0x1 | 0x2, payload: Buffer): Buffer {
  const n = payload.length;
  const headerBytes = n < 126 ? 2 : n <= 0xffff ? 4 : 10;
  const out = Buffer.allocUnsafe(headerBytes + n);
  out[0] = 0x80 | opcode; // FIN + opcode
  if (headerBytes === 2) out[1] = n;
  else if (headerBytes === 4) {
    out[1] = 126;
    out.writeUInt16BE(n, 2);
  } else {
    out[1] = 127;
    out.writeBigUInt64BE(BigInt(n), 2);
  }
  payload.copy(out, headerBytes);
  return out;
}

/** A binary message (live audio), framed. */
export function binaryFrame(payload: Buffer): Buffer {
  return frame(0x2, payload);
}

/** A text message (a JSON control frame), framed; the text is sent as UTF-8. */
export function textFrame(text: string): Buffer {
  return frame(0x1, Buffer.from(text, 'utf8'));
}
