package archive.testnode;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Set;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.PluginsLoader;

/**
 * One Elasticsearch node for the archive's tests: the server from Maven Central, on loopback,
 * security off (there is no security module), single-node discovery.
 *
 * <p>Usage: {@code TestNode NODE_HOME DATA_DIR HTTP_PORT}. NODE_HOME is the layout Maven builds
 * in {@code target/node-home}: {@code config/}, and {@code modules/} with {@code
 * transport-netty4} (HTTP) and {@code archive-test} (see {@code ArchiveModules}), loaded the way
 * a distribution loads its modules; no plugins. Data and logs go under DATA_DIR. The node writes
 * DATA_DIR/started once it serves HTTP, and stops when its standard input closes (whoever started
 * it went away) or when it is signalled.
 */
public final class TestNode {

    private TestNode() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: TestNode NODE_HOME DATA_DIR HTTP_PORT");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        Path dataDir = Path.of(args[1]).toAbsolutePath();
        int httpPort = Integer.parseInt(args[2]);
        Files.createDirectories(dataDir.resolve("data"));
        Files.createDirectories(dataDir.resolve("logs"));
        writeNettyDescriptor(home.resolve("modules").resolve("transport-netty4"));

        Settings settings = Settings.builder()
            .put("cluster.name", "archive-test")
            .put("node.name", "archive-test")
            .put("path.home", home.toString())
            .put("path.data", dataDir.resolve("data").toString())
            .put("path.logs", dataDir.resolve("logs").toString())
            .put("network.host", "127.0.0.1")
            .put("http.port", httpPort)
            .put("transport.port", "0")
            .put("discovery.type", "single-node")
            // The test machine's disk may be fuller than the default watermarks allow.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .put("action.auto_create_index", false)
            .build();
        LogConfigurator.registerErrorListener();
        LogConfigurator.setNodeName("archive-test");
        LogConfigurator.configureESLogging();
        LogConfigurator.configureWithoutConfig(settings);

        Environment environment = InternalSettingsPreparer.prepareEnvironment(
            settings, Map.of(), home.resolve("config"), () -> "archive-test");
        PluginsLoader plugins = PluginsLoader.createPluginsLoader(
            PluginsLoader.loadModulesBundles(environment.modulesDir()),
            Set.of(),
            Map.of());
        Node node = new Node(environment, plugins);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
            } catch (IOException e) {
                e.printStackTrace();
            }
        }, "archive-test-node-stop"));
        node.start();
        Files.writeString(dataDir.resolve("started"), Integer.toString(httpPort), StandardCharsets.UTF_8);
        System.out.println("archive-test node started, http://127.0.0.1:" + httpPort);
        while (System.in.read() != -1) {
            // nothing to read: this only notices the other end closing
        }
        System.exit(0);
    }

    /** transport-netty4's descriptor, from its own jar, beside it (as a distribution has it). */
    private static void writeNettyDescriptor(Path module) throws IOException {
        Path descriptor = module.resolve("plugin-descriptor.properties");
        if (Files.exists(descriptor)) {
            return;
        }
        try (var jars = Files.newDirectoryStream(module, "transport-netty4-*.jar")) {
            for (Path jar : jars) {
                try (ZipFile zip = new ZipFile(jar.toFile())) {
                    for (String name : new String[] {"plugin-descriptor.properties", "entitlement-policy.yaml"}) {
                        ZipEntry entry = zip.getEntry("META-INF/es-plugins/transport-netty4/" + name);
                        if (entry == null) {
                            continue;
                        }
                        try (InputStream in = zip.getInputStream(entry)) {
                            Files.copy(in, module.resolve(name));
                        }
                    }
                }
                return;
            }
        }
        throw new IOException("no transport-netty4 jar in " + module + ": run mvn package in tests/elasticsearch");
    }
}
