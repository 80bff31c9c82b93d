"""Exports a YOLO-nano-class detector with torch for the GPU bench (run on the GPU host, which has torch).

A MobileNetV3-Small backbone (torchvision, random weights: the host has no internet) with a YOLOX-style head:
one anchor per cell of the stride 8/16/32 grids, output [N, anchors, 85] = raw x, y, log w, log h, then
sigmoid objectness and 80 class scores, exactly the contract of the default model, so the same decoder and
fused graph apply. Objectness biases start at -6 so that, like a trained detector, few anchors pass.
Writes torch_yolox_640.onnx (float32) and torch_yolox_640_fp16.onnx (float16 weights, input and output).

  python3 export_torch_model.py OUTDIR [SIZE]
"""
import sys

import torch
import torchvision


class YoloxStyle(torch.nn.Module):
    def __init__(self, classes=80):
        super().__init__()
        features = torchvision.models.mobilenet_v3_small(weights=None).features
        self.to_s8 = features[:4]     # 24 channels, stride 8
        self.to_s16 = features[4:9]   # 48 channels, stride 16
        self.to_s32 = features[9:]    # 576 channels, stride 32
        self.heads = torch.nn.ModuleList(
            torch.nn.Sequential(torch.nn.Conv2d(c, 64, 3, padding=1), torch.nn.SiLU(),
                                torch.nn.Conv2d(64, 5 + classes, 1))
            for c in (24, 48, 576))
        for head in self.heads:
            torch.nn.init.constant_(head[2].bias[4], -6.0)

    def forward(self, images):
        s8 = self.to_s8(images)
        s16 = self.to_s16(s8)
        s32 = self.to_s32(s16)
        outputs = []
        for feature, head in zip((s8, s16, s32), self.heads):
            y = head(feature).flatten(2).transpose(1, 2)          # [N, cells, 85]
            outputs.append(torch.cat([y[..., :4], y[..., 4:].sigmoid()], dim=-1))
        return torch.cat(outputs, dim=1)


def export(model, dtype, path, size):
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = model.to(device=device, dtype=dtype).eval()
    dummy = torch.zeros(1, 3, size, size, device=device, dtype=dtype)
    kwargs = dict(input_names=["images"], output_names=["output"], opset_version=17,
                  dynamic_axes={"images": {0: "batch"}, "output": {0: "batch"}})
    try:
        torch.onnx.export(model, dummy, path, dynamo=False, **kwargs)
    except TypeError:
        torch.onnx.export(model, dummy, path, **kwargs)
    # the TorchScript exporter leaves the output's anchor and column dims symbolic; write them down
    import onnx
    anchors = sum((size // s) ** 2 for s in (8, 16, 32))
    m = onnx.load(path)
    dims = m.graph.output[0].type.tensor_type.shape.dim
    dims[1].dim_value = anchors
    dims[2].dim_value = 85
    onnx.save(m, path)
    print("exported", path, "torch", torch.__version__)


if __name__ == "__main__":
    out = sys.argv[1]
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 640
    torch.manual_seed(0)
    net = YoloxStyle()
    export(net, torch.float32, f"{out}/torch_yolox_{size}.onnx", size)
    export(net, torch.float16, f"{out}/torch_yolox_{size}_fp16.onnx", size)
