package io.camflux.model;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Class names by class id. */
public record Labels(List<String> names) {

    private static final List<String> COCO = List.of(
            "person", "bicycle", "car", "motorcycle", "airplane", "bus", "train", "truck", "boat",
            "traffic light", "fire hydrant", "stop sign", "parking meter", "bench", "bird", "cat", "dog",
            "horse", "sheep", "cow", "elephant", "bear", "zebra", "giraffe", "backpack", "umbrella",
            "handbag", "tie", "suitcase", "frisbee", "skis", "snowboard", "sports ball", "kite",
            "baseball bat", "baseball glove", "skateboard", "surfboard", "tennis racket", "bottle",
            "wine glass", "cup", "fork", "knife", "spoon", "bowl", "banana", "apple", "sandwich", "orange",
            "broccoli", "carrot", "hot dog", "pizza", "donut", "cake", "chair", "couch", "potted plant",
            "bed", "dining table", "toilet", "tv", "laptop", "mouse", "remote", "keyboard", "cell phone",
            "microwave", "oven", "toaster", "sink", "refrigerator", "book", "clock", "vase", "scissors",
            "teddy bear", "hair drier", "toothbrush");

    private static final Pattern NAME_ENTRY = Pattern.compile("(\\d+)\\s*:\\s*['\"]([^'\"]*)['\"]");

    public Labels {
        names = List.copyOf(names);
    }

    public static Labels coco() {
        return new Labels(COCO);
    }

    /** One name per line; blank lines end nothing and are skipped only at the end of the file. */
    public static Labels fromFile(Path file) throws IOException {
        List<String> lines = new ArrayList<>(Files.readAllLines(file, StandardCharsets.UTF_8));
        while (!lines.isEmpty() && lines.get(lines.size() - 1).isBlank()) {
            lines.remove(lines.size() - 1);
        }
        if (lines.isEmpty()) {
            throw new IOException("labels file " + file + " is empty");
        }
        return new Labels(lines.stream().map(String::strip).toList());
    }

    /**
     * Parses the {@code names} metadata that Ultralytics exports write, e.g. {@code {0: 'person', 1: 'bicycle'}}.
     * Returns null when the text holds no names.
     */
    public static Labels fromMetadata(String names) {
        if (names == null) {
            return null;
        }
        Map<Integer, String> byId = new TreeMap<>();
        Matcher m = NAME_ENTRY.matcher(names);
        while (m.find()) {
            byId.put(Integer.parseInt(m.group(1)), m.group(2));
        }
        if (byId.isEmpty()) {
            return null;
        }
        List<String> list = new ArrayList<>();
        for (int i = 0; i <= ((TreeMap<Integer, String>) byId).lastKey(); i++) {
            list.add(byId.getOrDefault(i, "class" + i));
        }
        return new Labels(list);
    }

    public String name(int classId) {
        return classId >= 0 && classId < names.size() ? names.get(classId) : "class" + classId;
    }

    public int size() {
        return names.size();
    }
}
