import org.codelibs.opensearch.runner.OpenSearchRunner;

/**
 * One OpenSearch 2.19 node on loopback for the log-pipeline tests.
 *
 * <pre>java -Xms512m -Xmx512m -cp 'target/lib/*' OsNode.java BASE_DIR HTTP_PORT TRANSPORT_PORT</pre>
 *
 * Prints "READY http://127.0.0.1:PORT after N s" once the cluster is yellow; SIGTERM closes it
 * (exit status 143). The node has the ingest role, which the runner leaves out by default.
 */
public class OsNode {
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: OsNode BASE_DIR HTTP_PORT TRANSPORT_PORT");
            System.exit(2);
        }
        String base = args[0], httpPort = args[1], transportPort = args[2];
        long started = System.nanoTime();
        OpenSearchRunner runner = new OpenSearchRunner();
        runner.onBuild((index, settings) -> {
            settings.put("network.host", "127.0.0.1");
            settings.put("http.port", httpPort);
            settings.put("transport.port", transportPort);
            settings.put("discovery.type", "single-node");
            settings.putList("node.roles", "cluster_manager", "data", "ingest");
            // A test node on a shared disk: never refuse writes because the disk looks full.
            settings.put("cluster.routing.allocation.disk.threshold_enabled", false);
        }).build(OpenSearchRunner.newConfigs().basePath(base).numOfNode(1).clusterName("shopgraph-logs-test"));
        runner.ensureYellow();
        System.out.printf("READY http://127.0.0.1:%s after %.1f s%n", httpPort, (System.nanoTime() - started) / 1e9);
        System.out.flush();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (Exception e) {
                e.printStackTrace();
            }
        }));
        Thread.currentThread().join();
    }
}
