package dev.millwright.support;

import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** Self-signed key pairs made with the JDK's keytool, and trust stores holding chosen certificates (PKCS12, one password). */
public final class TestCertificates {
    public static final String PASSWORD = "store-pass";

    private TestCertificates() {
    }

    /**
     * A PKCS12 keystore at DIR/ALIAS.p12 with a 2048-bit RSA key and a self-signed certificate valid for two days.
     * @param extensions keytool -ext values, e.g. SAN=ip:127.0.0.1
     */
    public static Path keypair(Path dir, String alias, String dname, String... extensions) throws Exception {
        Path store = dir.resolve(alias + ".p12");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString(), "-genkeypair",
                "-alias", alias, "-keyalg", "RSA", "-keysize", "2048", "-dname", dname, "-validity", "2", "-storetype", "PKCS12",
                "-keystore", store.toString(), "-storepass", PASSWORD, "-keypass", PASSWORD));
        for (String e : extensions) command.addAll(List.of("-ext", e));
        Process keytool = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(keytool.getInputStream().readAllBytes());
        assertThat(keytool.waitFor()).as(out).isZero();
        return store;
    }

    public static KeyStore load(Path store) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, PASSWORD.toCharArray());
        }
        return ks;
    }

    /** A trust store at {@code file} holding these certificates (none: it trusts nobody). */
    public static Path trusting(Path file, Certificate... certificates) throws Exception {
        KeyStore trust = KeyStore.getInstance("PKCS12");
        trust.load(null, null);
        for (int i = 0; i < certificates.length; i++) trust.setCertificateEntry("trusted-" + i, certificates[i]);
        try (OutputStream o = Files.newOutputStream(file)) {
            trust.store(o, PASSWORD.toCharArray());
        }
        return file;
    }
}
