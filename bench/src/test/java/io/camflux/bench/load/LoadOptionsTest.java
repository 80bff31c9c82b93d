package io.camflux.bench.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.camflux.model.DetectorSettings;
import org.junit.jupiter.api.Test;

class LoadOptionsTest {
    private static DetectorSettings detectorSettings(LoadOptions o) {
        return DetectorSettings.defaults().withInstances(o.instances());
    }

    @Test
    void defaultsMakeAValidDetectorAndInstancesAreParsed() {
        LoadOptions defaults = LoadOptions.parse(new String[0]);
        assertEquals(DetectorSettings.DEFAULT_INSTANCES, detectorSettings(defaults).instances());
        LoadOptions three = LoadOptions.parse(new String[] {"--cameras", "16", "--instances", "3"});
        assertEquals(3, detectorSettings(three).instances());
        assertEquals(16, three.cameras().get(0));
    }

    @Test
    void aBadValueNamesTheOption() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LoadOptions.parse(new String[] {"--instances", "0"}));
        assertEquals("--instances must be >= 1", e.getMessage());
    }
}
