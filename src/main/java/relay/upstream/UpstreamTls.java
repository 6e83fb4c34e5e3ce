package relay.upstream;

import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocketFactory;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509TrustManager;
import relay.config.UpstreamTrust;

/**
 * The TLS client an upstream connects with. The JDK's default unless the route names a
 * {@code ca_file}: then one trust store holding the file's certificates, plus (mode "add") every CA
 * the JDK trusts, which includes a {@code javax.net.ssl.trustStore} given on the command line.
 * Hostname verification is set on every connection ({@code UpstreamSocketOpener}), whatever the trust.
 */
public final class UpstreamTls {
    private UpstreamTls() {
    }

    public static SSLSocketFactory socketFactory(UpstreamTrust trust) {
        if (!trust.custom()) {
            return (SSLSocketFactory) SSLSocketFactory.getDefault();
        }
        try {
            javax.net.ssl.TrustManager[] trustManagers = null; // null: the JDK's
            if (trust.file().isPresent()) {
                TrustManagerFactory managers = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                managers.init(trustStore(trust));
                trustManagers = managers.getTrustManagers();
            }
            javax.net.ssl.KeyManager[] keyManagers = null;
            if (trust.identity().isPresent()) {
                keyManagers = keyManagers(trust.identity().get());
            }
            SSLContext context = SSLContext.getInstance("TLS");
            context.init(keyManagers, trustManagers, null);
            return context.getSocketFactory();
        } catch (GeneralSecurityException | IOException e) {
            // the certificates and key were parsed when the config loaded: an in-memory store cannot fail here
            throw new IllegalStateException("cannot build the TLS client for " + trust, e);
        }
    }

    /** The client certificate, offered when the upstream asks for one (mutual TLS). */
    private static javax.net.ssl.KeyManager[] keyManagers(relay.config.ClientIdentity identity)
            throws GeneralSecurityException, IOException {
        char[] password = "in-memory".toCharArray(); // the store never leaves this method
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        store.setKeyEntry("client", identity.key(), password,
                identity.chain().toArray(new java.security.cert.Certificate[0]));
        javax.net.ssl.KeyManagerFactory factory = javax.net.ssl.KeyManagerFactory.getInstance(
                javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
        factory.init(store, password);
        return factory.getKeyManagers();
    }

    /** The certificates a custom trust verifies against. */
    static KeyStore trustStore(UpstreamTrust trust) throws GeneralSecurityException, IOException {
        KeyStore store = KeyStore.getInstance("PKCS12");
        store.load(null, null);
        int n = 0;
        if (!trust.replaceDefault()) {
            for (X509Certificate authority : jdkAuthorities()) {
                store.setCertificateEntry("jdk-" + n++, authority);
            }
        }
        for (X509Certificate certificate : trust.certificates()) {
            store.setCertificateEntry("ca-file-" + n++, certificate);
        }
        return store;
    }

    private static X509Certificate[] jdkAuthorities() throws GeneralSecurityException {
        TrustManagerFactory jdk = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        jdk.init((KeyStore) null);
        for (TrustManager manager : jdk.getTrustManagers()) {
            if (manager instanceof X509TrustManager x509) {
                return x509.getAcceptedIssuers();
            }
        }
        return new X509Certificate[0];
    }
}
