package io.camflux.engine.config;

import java.nio.file.Path;
import java.util.List;

/**
 * How a worker takes part in a fleet, beside the HTTP control plane's {@code cp} block.
 *
 * @param etcd             {@code coordination.etcd}, null: no etcd
 * @param allowedFileRoots {@code allowed_file_roots}: the folders under which a shard from a control plane or etcd
 *                         may name local files; empty: only network cameras ({@code rtsp://}, {@code rtsps://})
 */
public record FleetConfig(EtcdConfig etcd, List<Path> allowedFileRoots) {
    public static final FleetConfig NONE = new FleetConfig(null, List.of());

    public FleetConfig {
        allowedFileRoots = List.copyOf(allowedFileRoots);
    }

    /** Whether the shard comes from a coordinator (etcd or the HTTP control plane), not from the file. */
    public boolean leased(ControlPlaneConfig cp) {
        return etcd != null || cp != null;
    }
}
