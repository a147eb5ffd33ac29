package dev.mtl.interop;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;

/** A safetensors file's JSON header as the format's reference reader sees it: dtypes, shapes, metadata. */
public final class SafeTensorsHeader {

    private SafeTensorsHeader() {}

    public static JsonNode read(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        long n = ByteBuffer.wrap(all, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        return new ObjectMapper().readTree(new String(all, 8, (int) n, java.nio.charset.StandardCharsets.UTF_8));
    }
}
