package dev.arbiter.server.engine;

import com.fasterxml.jackson.core.SerializableString;
import com.fasterxml.jackson.core.io.SerializedString;
import com.fasterxml.jackson.databind.util.RawValue;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * A JSON value that is already encoded (UTF-8), written into an answer as it is: a slice of a
 * recorded event's canonical bytes, so that an answer does not parse and re-serialise what the
 * ledger already holds in JSON form. Only for bytes that this process produced as JSON.
 *
 * <p>The unquoted methods give the bytes as they are (what a raw value is); the quoted ones treat the
 * text as a string value and escape it, as {@link SerializedString} does.
 */
final class RawJson implements SerializableString {
  private final byte[] bytes;
  private final int offset;
  private final int length;

  private RawJson(byte[] bytes, int offset, int length) {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
  }

  /** A raw value for {@code ObjectNode.putRawValue}: {@code bytes[offset, offset + length)}, never copied or changed. */
  static RawValue of(byte[] bytes, int offset, int length) {
    if (offset < 0 || length < 0 || offset + length > bytes.length) {
      throw new IndexOutOfBoundsException("slice [" + offset + ", +" + length + ") of " + bytes.length + " bytes");
    }
    return new RawValue(new RawJson(bytes, offset, length));
  }

  @Override
  public String getValue() {
    return new String(bytes, offset, length, StandardCharsets.UTF_8);
  }

  @Override
  public int charLength() {
    return getValue().length();
  }

  @Override
  public byte[] asUnquotedUTF8() {
    byte[] out = new byte[length];
    System.arraycopy(bytes, offset, out, 0, length);
    return out;
  }

  @Override
  public int appendUnquotedUTF8(byte[] buffer, int at) {
    if (at + length > buffer.length) {
      return -1;
    }
    System.arraycopy(bytes, offset, buffer, at, length);
    return length;
  }

  @Override
  public int writeUnquotedUTF8(OutputStream out) throws IOException {
    out.write(bytes, offset, length);
    return length;
  }

  @Override
  public int putUnquotedUTF8(ByteBuffer buffer) {
    if (buffer.remaining() < length) {
      return -1;
    }
    buffer.put(bytes, offset, length);
    return length;
  }

  @Override
  public int appendUnquoted(char[] buffer, int at) {
    return new SerializedString(getValue()).appendUnquoted(buffer, at);
  }

  @Override
  public char[] asQuotedChars() {
    return new SerializedString(getValue()).asQuotedChars();
  }

  @Override
  public byte[] asQuotedUTF8() {
    return new SerializedString(getValue()).asQuotedUTF8();
  }

  @Override
  public int appendQuotedUTF8(byte[] buffer, int at) {
    return new SerializedString(getValue()).appendQuotedUTF8(buffer, at);
  }

  @Override
  public int appendQuoted(char[] buffer, int at) {
    return new SerializedString(getValue()).appendQuoted(buffer, at);
  }

  @Override
  public int writeQuotedUTF8(OutputStream out) throws IOException {
    return new SerializedString(getValue()).writeQuotedUTF8(out);
  }

  @Override
  public int putQuotedUTF8(ByteBuffer buffer) throws IOException {
    return new SerializedString(getValue()).putQuotedUTF8(buffer);
  }

  @Override
  public String toString() {
    return getValue();
  }
}
