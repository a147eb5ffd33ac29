package dev.mtl.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;
import picocli.CommandLine.IVersionProvider;

/** {@code --version}: the version the build wrote into {@code version.properties} (Maven resource filtering). */
final class VersionProvider implements IVersionProvider {

    static final String RESOURCE = "/version.properties";

    @Override
    public String[] getVersion() throws IOException {
        return new String[] {"mtl " + version()};
    }

    static String version() throws IOException {
        try (InputStream in = VersionProvider.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IOException(RESOURCE + ": not on the class path; build the cli module with Maven");
            }
            Properties p = new Properties();
            p.load(in);
            String v = p.getProperty("version");
            // An unfiltered copy (an IDE build without Maven) still holds the placeholder.
            if (v == null || v.isBlank() || v.contains("${")) {
                throw new IOException(RESOURCE + ": version not filled in by the build (got '" + v + "')");
            }
            return v.strip();
        }
    }
}
