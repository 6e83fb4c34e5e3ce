package relay.config;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.List;

/** Reads an unencrypted PKCS#8 private key ({@code BEGIN PRIVATE KEY}) of any algorithm the JDK knows. */
final class PemPrivateKey {
    private static final String BEGIN = "-----BEGIN PRIVATE KEY-----";
    private static final String END = "-----END PRIVATE KEY-----";
    private static final List<String> ALGORITHMS = List.of("RSA", "EC", "Ed25519", "Ed448", "RSASSA-PSS");

    private PemPrivateKey() {
    }

    static PrivateKey read(Path file) throws IOException, GeneralSecurityException {
        String text = Files.readString(file, StandardCharsets.US_ASCII);
        int begin = text.indexOf(BEGIN);
        int end = text.indexOf(END);
        if (begin < 0 || end < begin) {
            String found = text.contains("BEGIN RSA PRIVATE KEY") || text.contains("BEGIN EC PRIVATE KEY")
                    ? "a traditional OpenSSL key; convert it with: openssl pkcs8 -topk8 -nocrypt -in KEY -out KEY.pk8"
                    : text.contains("BEGIN ENCRYPTED PRIVATE KEY")
                            ? "an encrypted key; relay reads unencrypted keys only (openssl pkcs8 -topk8 -nocrypt)"
                            : "no \"" + BEGIN + "\" block";
            throw new InvalidKeySpecException(found);
        }
        byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + BEGIN.length(), end));
        PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
        for (String algorithm : ALGORITHMS) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(spec);
            } catch (InvalidKeySpecException e) {
                // another algorithm's key
            }
        }
        throw new InvalidKeySpecException("not a private key of " + String.join(", ", ALGORITHMS));
    }
}
