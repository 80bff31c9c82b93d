package io.camflux.engine.fleet;

import com.fasterxml.jackson.databind.JsonNode;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import com.networknt.schema.oas.OpenApi31;
import io.camflux.model.TestAssets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The schemas of docs/control-plane.openapi.yaml, to check what goes over the wire against. */
public final class ProtocolContract {
    public static final Path OPENAPI = TestAssets.root().resolve("docs/control-plane.openapi.yaml");
    private static final JsonSchemaFactory FACTORY = JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V202012,
            b -> b.metaSchema(OpenApi31.getInstance()).defaultMetaSchemaIri(OpenApi31.getInstance().getIri()));
    private static final Map<String, JsonSchema> SCHEMAS = new ConcurrentHashMap<>();

    private ProtocolContract() {
    }

    /** The problems of {@code node} against {@code components.schemas.<name>}; empty when it conforms. */
    public static List<String> problems(String name, JsonNode node) {
        JsonSchema schema = SCHEMAS.computeIfAbsent(name, n -> FACTORY.getSchema(
                SchemaLocation.of(OPENAPI.toUri() + "#/components/schemas/" + n),
                SchemaValidatorsConfig.builder().formatAssertionsEnabled(true).build()));
        Set<ValidationMessage> messages = schema.validate(node);
        return messages.stream().map(m -> name + ": " + m.getMessage()).toList();
    }
}
