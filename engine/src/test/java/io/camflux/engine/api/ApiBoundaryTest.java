package io.camflux.engine.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * What an embedding application sees: the public types of {@code io.camflux.engine} and {@code io.camflux.engine.config}
 * (docs/architecture.md, "API and internals"). Their public signatures may name only each other, the JDK, Reactor,
 * Micrometer, the model module, OpenCV's {@code Mat} (what a {@link io.camflux.engine.FrameDetector} of one's own
 * reads) and Jackson's {@code JsonNode} (a shard as the fleet's JSON carries it); an engine-internal type there (a
 * reader, a motion gate, a status table) would make it API by accident. The other packages are internal.
 */
class ApiBoundaryTest {
    static final Set<String> API = Set.of("io.camflux.engine", "io.camflux.engine.config");
    private static final List<String> ALLOWED = List.of("java.", "reactor.", "org.reactivestreams.",
            "io.micrometer.", "io.camflux.model.", "org.bytedeco.opencv.opencv_core.Mat",
            "com.fasterxml.jackson.databind.JsonNode");

    @Test
    void theApiNamesOnlyApiTypesAndItsDependencies() throws Exception {
        Set<String> leaks = new TreeSet<>();
        List<Class<?>> api = apiTypes();
        assertTrue(api.size() > 20, "found the API's types: " + api);
        for (Class<?> type : api) {
            for (String leak : leaks(type)) {
                leaks.add(type.getName() + " -> " + leak);
            }
        }
        assertEquals(Set.of(), leaks, "internal types in the API's public signatures");
    }

    static List<Class<?>> apiTypes() throws IOException, URISyntaxException, ClassNotFoundException {
        Path classes = Path.of(io.camflux.engine.CamFlux.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        List<Class<?>> types = new ArrayList<>();
        for (String pkg : API) {
            Path dir = classes.resolve(pkg.replace('.', '/'));
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(f -> f.toString().endsWith(".class")).toList()) {
                    String name = f.getFileName().toString().replace(".class", "");
                    Class<?> c = Class.forName(pkg + "." + name, false, ApiBoundaryTest.class.getClassLoader());
                    if (visible(c)) {
                        types.add(c);
                    }
                }
            }
        }
        return types;
    }

    private static boolean visible(Class<?> c) {
        for (Class<?> at = c; at != null; at = at.getDeclaringClass()) {
            if (!Modifier.isPublic(at.getModifiers())) {
                return false;
            }
        }
        return !c.isAnonymousClass() && !c.isSynthetic();
    }

    private static Set<String> leaks(Class<?> type) {
        Set<String> found = new TreeSet<>();
        List<Type> named = new ArrayList<>();
        if (type.getGenericSuperclass() != null) {
            named.add(type.getGenericSuperclass());
        }
        named.addAll(List.of(type.getGenericInterfaces()));
        for (Method m : type.getDeclaredMethods()) {
            if (exposed(m.getModifiers()) && !m.isSynthetic()) {
                named.add(m.getGenericReturnType());
                addSignature(m, named);
            }
        }
        for (var c : type.getDeclaredConstructors()) {
            if (exposed(c.getModifiers()) && !c.isSynthetic()) {
                addSignature(c, named);
            }
        }
        for (Field f : type.getDeclaredFields()) {
            if (exposed(f.getModifiers()) && !f.isSynthetic()) {
                named.add(f.getGenericType());
            }
        }
        for (Type t : named) {
            collect(t, found, new java.util.HashSet<>());
        }
        found.removeIf(ApiBoundaryTest::allowed);
        return found;
    }

    private static void addSignature(Executable e, List<Type> named) {
        named.addAll(List.of(e.getGenericParameterTypes()));
        named.addAll(List.of(e.getGenericExceptionTypes()));
    }

    private static boolean exposed(int modifiers) {
        return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers);
    }

    private static void collect(Type t, Set<String> into, Set<Type> seen) {
        if (!seen.add(t)) {
            return;
        }
        if (t instanceof Class<?> c) {
            while (c.isArray()) {
                c = c.getComponentType();
            }
            if (!c.isPrimitive()) {
                into.add(c.getName());
            }
        } else if (t instanceof ParameterizedType p) {
            collect(p.getRawType(), into, seen);
            for (Type a : p.getActualTypeArguments()) {
                collect(a, into, seen);
            }
        } else if (t instanceof GenericArrayType g) {
            collect(g.getGenericComponentType(), into, seen);
        } else if (t instanceof WildcardType w) {
            for (Type b : w.getUpperBounds()) {
                collect(b, into, seen);
            }
            for (Type b : w.getLowerBounds()) {
                collect(b, into, seen);
            }
        } else if (t instanceof TypeVariable<?> v) {
            for (Type b : v.getBounds()) {
                collect(b, into, seen);
            }
        }
    }

    private static boolean allowed(String name) {
        String pkg = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : "";
        // a nested type's package is its outer type's
        int dollar = name.indexOf('$');
        if (dollar > 0) {
            String outer = name.substring(0, dollar);
            pkg = outer.substring(0, outer.lastIndexOf('.'));
        }
        return API.contains(pkg) || ALLOWED.stream().anyMatch(name::startsWith);
    }
}
