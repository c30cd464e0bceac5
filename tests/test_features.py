"""Layers, shapes and receptive fields (random weights), checked against torch; the layer table on meta."""
from __future__ import annotations

import copy

import numpy as np
import pytest
import torch
import torch.nn as nn
from torchvision.models.feature_extraction import create_feature_extractor

from torchvision import models as tvm

from explainer import features
from explainer.features import figures, filter_matching

NAMES = list(features.MODELS)


@pytest.fixture(scope="module")
def nets() -> dict[str, nn.Module]:
    """Each network built once for the module, random init, frozen like the app's shared copy."""
    torch.manual_seed(0)
    return {n: features.MODELS[n].builder(weights=None).eval().requires_grad_(False) for n in NAMES}


@pytest.mark.parametrize("name", NAMES)
def test_index_math_gives_the_shapes_torch_computes(nets, name):
    model = nets[name]
    x = torch.randn(1, 3, 72, 72)  # 72 is not a multiple of 32: floors on the way down
    out = features.extract_features(model, x)
    geo = features.layer_geometry(model, (3, 72, 72))
    assert list(out) == features.list_layers(model)
    for layer, t in out.items():
        assert geo[layer].shape == tuple(t.shape[1:]), layer
    with torch.inference_mode():
        assert torch.allclose(out[features.list_layers(model)[-1]], model(x), atol=1e-5)


@pytest.mark.parametrize("name", NAMES)
def test_parameter_column_sums_to_the_network(nets, name):
    assert sum(features.layer_params(nets[name]).values()) == sum(p.numel() for p in nets[name].parameters())


class _ConvPart(nn.Module):
    def __init__(self, features: nn.Module):
        super().__init__()
        self.features = features

    def forward(self, x):
        return self.features(x)


def _gradient_field(model: nn.Module, layer: str, side: int) -> tuple[int, tuple[int, int], tuple[int, int]]:
    """Receptive field measured: which input pixels move the centre cell of ``layer``.

    A copy with positive weights and average instead of max pooling (same windows), so
    no path cancels or is switched off and every pixel that *can* matter gets a
    non-zero gradient. Returns the width of that region, the cell and the region's first pixel.
    """
    # VGG: only its convolutional part, so the 120M classifier weights are not copied.
    source = _ConvPart(model.features) if layer.startswith("features.") else model
    probe = copy.deepcopy(source).double()
    for parent in list(probe.modules()):
        for key, child in parent.named_children():
            if isinstance(child, nn.MaxPool2d):
                setattr(parent, key, nn.AvgPool2d(child.kernel_size, child.stride, child.padding))
    for m in probe.modules():
        if isinstance(m, nn.Conv2d):
            m.weight.data.fill_(1.0 / m.weight[0].numel())
            if m.bias is not None:
                m.bias.data.zero_()
    head = create_feature_extractor(probe, {layer: "out"})
    x = torch.ones(1, 3, side, side, dtype=torch.float64, requires_grad=True)
    y = head(x)["out"]
    cell = (y.shape[2] // 2, y.shape[3] // 2)
    y[0, :, cell[0], cell[1]].sum().backward()
    rows = torch.nonzero(x.grad[0].abs().sum(dim=(0, 2)))
    cols = torch.nonzero(x.grad[0].abs().sum(dim=(0, 1)))
    assert rows.max() < side - 1 and rows.min() > 0, "field clipped by the border: use a larger side"
    assert int(rows.max() - rows.min()) == int(cols.max() - cols.min())
    return int(rows.max() - rows.min()) + 1, cell, (int(rows.min()), int(cols.min()))


@pytest.mark.parametrize("name,layer,side", [
    ("VGG16", "features.9", 48),          # after pool2
    ("VGG16", "features.16", 96),         # conv3_3 after its ReLU
    ("VGG19", "features.27", 160),        # conv4_4
    ("ResNet18", "maxpool", 48),          # 7×7 stride-2 stem + 3×3 stride-2 pool
    ("ResNet18", "layer3.0.add", 240),    # strided conv, 1×1 strided shortcut, add
    ("ResNet50", "layer2.0.add", 128),    # bottleneck with stride in the 3×3 conv
])
def test_receptive_field_matches_the_gradient(nets, name, layer, side):
    geo = features.layer_geometry(nets[name], (3, side, side))[layer]
    width, (row, col), (top, left) = _gradient_field(nets[name], layer, side)
    assert geo.rf == width
    x0, y0, x1, y1 = geo.field_of(row, col)  # pixel edges: the first pixel is at edge + 0.5
    assert (y0 + 0.5, x0 + 0.5) == (top, left) and x1 - x0 == width


def test_whole_network_fields_agree_with_published_values(nets):
    # Araujo, Norris & Sim, "Computing receptive fields of CNNs", Distill 2019.
    geo = {n: features.layer_geometry(nets[n], (3, 224, 224)) for n in NAMES}
    assert geo["VGG16"]["features.30"].rf == 212
    assert geo["ResNet50"]["layer4.2.relu_2"].rf == 427
    assert geo["ResNet18"]["layer4.1.relu_1"].jump == 32
    assert geo["ResNet18"]["fc"].rf is None  # after global pooling: the whole image


def test_extraction_leaves_the_shared_network_untouched(nets):
    model = nets["ResNet18"]
    before = {k: v.clone() for k, v in model.state_dict().items()}
    fm = features.capture(model, torch.randn(1, 3, 64, 64))
    assert fm.maps["layer1.0.bn1"].dtype == np.float16
    assert not any(m.training for m in model.modules())
    assert not any(m._forward_hooks or m._forward_pre_hooks or m._backward_hooks for m in model.modules())
    assert not any(p.requires_grad for p in model.parameters())
    assert all(torch.equal(before[k], v) for k, v in model.state_dict().items())  # BN stats too
    assert all(m.inplace for m in model.modules() if isinstance(m, nn.ReLU))  # not rewritten either


def test_conv_outputs_are_not_overwritten_by_inplace_relu(nets):
    model = nets["VGG16"]
    x = torch.randn(1, 3, 32, 32)
    out = features.extract_features(model, x, ["features.0", "features.1"])
    with torch.inference_mode():
        conv = model.features[0](x)
    assert torch.allclose(out["features.0"], conv) and (out["features.0"] < 0).any()
    assert torch.allclose(out["features.1"], conv.clamp(min=0))


def test_a_bad_layer_name_points_to_list_layers(nets):
    with pytest.raises(KeyError, match="list_layers"):
        features.extract_features(nets["ResNet18"], torch.randn(1, 3, 32, 32), ["layer9.conv"])


def test_a_session_mnist_net_can_be_opened():
    net = nn.Sequential(nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2), nn.Conv2d(6, 16, 5),
                        nn.ReLU(), nn.MaxPool2d(2), nn.Flatten(), nn.Linear(16 * 5 * 5, 10))
    loaded = features.session_model("LeNet", net)
    fm = features.capture(loaded.model, features.prepare_digit(np.zeros((28, 28), np.uint8), 0.1307, 0.3081))
    geo = features.layer_geometry(loaded.model, (1, 28, 28))
    assert fm.maps["5"].shape == (16, 5, 5) == geo["5"].shape
    assert geo["5"].rf == 16 and fm.logits.shape == (10,)


def test_top_channels_and_predictions_by_hand():
    maps = np.zeros((4, 2, 2), np.float16)
    maps[2] = 5
    maps[0, 0, 0] = 8  # mean 2
    assert list(features.top_channels(features.ChannelStats.of(maps), 2)) == [2, 0]
    preds = features.top_predictions(np.array([0.0, np.log(3.0), 0.0]), ["a", "b", "c"], 2)
    assert preds[0] == ("b", pytest.approx(0.6)) and preds[1][1] == pytest.approx(0.2)


def test_first_layer_filters_find_their_preset():
    refs = filter_matching.reference_kernels(3)
    sobel = np.stack([refs["Sobel x"]] * 3)                    # the same kernel on R, G and B
    colour = np.stack([refs["Sobel y"], -refs["Sobel y"], 0 * refs["Sobel y"]])
    matches = filter_matching.closest_presets(np.stack([sobel, -sobel, colour]).astype(np.float32))
    assert matches[0].preset == "Sobel x" and matches[0].similarity == pytest.approx(1.0)
    assert matches[1].sign == -1 and matches[1].label == "−Sobel x"
    assert matches[2].grey_share < 0.01 and matches[2].label.startswith("colour")
    gauss7 = np.stack([filter_matching.reference_kernels(7)["Gaussian blur"]] * 3)[None]
    assert filter_matching.closest_presets(gauss7.astype(np.float32))[0].preset == "Gaussian blur"


def test_feature_grid_labels_every_channel_and_keeps_zero_white():
    maps = np.random.default_rng(0).normal(size=(12, 40, 40)).astype(np.float16)
    fig = figures.feature_grid(maps, [3, 7, 11])
    hover = fig.data[1].hovertext
    assert [h.split("<br>")[0] for h in hover] == ["channel 3", "channel 7", "channel 11"]
    rgb = figures.colourise(np.array([[[-2.0, 0.0, 2.0]]]), signed=True)
    assert rgb[0, 0, 1].min() > 240  # 0 is white on the diverging scale
    assert rgb[0, 0, 0, 2] > rgb[0, 0, 0, 0] and rgb[0, 0, 2, 0] > rgb[0, 0, 2, 2]  # blue < 0 < red


# --- the layer table of any network, on the meta device (what the Architectures page uses) ---

def _on_meta(builder, **options) -> nn.Module:
    with torch.device("meta"):
        return builder(weights=None, **options).eval()


def test_layer_table_on_meta_matches_the_real_network(nets):
    meta = _on_meta(tvm.resnet18)
    assert all(p.is_meta for p in meta.parameters())
    rows = features.layer_table(meta, (3, 160, 160))
    real = features.extract_features(nets["ResNet18"], torch.randn(1, 3, 160, 160))
    assert [r.layer for r in rows] == list(real)
    assert all(r.shape == tuple(real[r.layer].shape[1:]) for r in rows)
    assert sum(r.params for r in rows) == sum(p.numel() for p in meta.parameters()) == 11_689_512
    geo_real = features.layer_geometry(nets["ResNet18"], (3, 160, 160))
    assert all((r.rf, r.jump) == (geo_real[r.layer].rf, geo_real[r.layer].jump) for r in rows)
    by_name = {r.layer: r for r in rows}
    assert by_name["conv1"].operation == "conv 7×7, 3→64, stride 2, pad 3"
    assert (by_name["layer4.1.relu_1"].field, by_name["layer4.1.relu_1"].rf) == ("local", 435)
    assert by_name["fc"].field == "whole image" and by_name["fc"].rf is None


@pytest.mark.parametrize("builder,options,side,deepest", [
    (tvm.mobilenet_v3_small, {}, 224, ("features.12", 639)),               # squeeze-and-excitation, hardswish
    (tvm.efficientnet_b0, {}, 224, ("features.8", 851)),                   # SE + stochastic depth, as one node
    (tvm.googlenet, {"aux_logits": False, "init_weights": False}, 224,     # ceil-mode pooling, cat of branches
     ("inception5b.cat", 379)),
    (tvm.inception_v3, {"aux_logits": False, "init_weights": False}, 299,  # 1×7 and 7×1 kernels, F.max_pool2d;
     ("Mixed_7c.cat_2", 1311)),                                            # 1311: Araujo et al., Distill 2019
])
def test_index_math_follows_networks_with_odd_modules(builder, options, side, deepest):
    meta = _on_meta(builder, **options)
    geo = features.layer_geometry(meta, (3, side, side))
    shapes = features.layer_shapes(meta, (3, side, side))  # torch's own, from the meta device
    assert {n: g.shape for n, g in geo.items()} == shapes
    assert sum(features.layer_params(meta).values()) == sum(p.numel() for p in meta.parameters())
    rows = features.layer_table(meta, (3, side, side))
    last_local = [r for r in rows if r.field == "local"][-1]
    assert (last_local.layer, last_local.rf) == deepest
    assert {r.field for r in rows[rows.index(last_local) + 1:]} == {"whole image"}  # the classifier head
    assert rows[-1].shape == (1000,)


def test_squeeze_and_excitation_is_named_and_keeps_the_convolution_path():
    meta = _on_meta(tvm.efficientnet_b0)
    rows = {r.layer: r for r in features.layer_table(meta, (3, 224, 224))}
    block = rows["features.2.0.block.2"]
    assert block.operation.startswith("squeeze-and-excitation") and block.field == "local"
    assert rows["features.0"].operation == "conv 3×3, 3→32, stride 2, pad 1 + batch norm + SiLU"
    assert rows["features.0"].rf == 3 and rows["features.2.0.block.1"].operation.startswith("conv 3×3, 96→96")


def test_a_field_that_is_not_square_by_hand():
    net = nn.Sequential(nn.Conv2d(1, 2, (1, 7), padding=(0, 3)), nn.Conv2d(2, 2, 3, stride=2), nn.MaxPool2d(2, ceil_mode=True))
    geo = features.layer_geometry(net, (1, 15, 15))
    assert geo["0"].rf_hw == (1, 7) and geo["0"].shape == (2, 15, 15) and geo["0"].rf_text == "1×7"
    assert geo["1"].rf_hw == (3, 9) and geo["1"].jump_hw == (2, 2) and geo["1"].shape == (2, 7, 7)
    assert geo["2"].rf_hw == (5, 11) and geo["2"].shape == (2, 4, 4)  # ceil mode: 7 cells → 4
    with torch.inference_mode():
        assert net(torch.zeros(1, 1, 15, 15)).shape[1:] == geo["2"].shape


def test_attention_ends_the_count_instead_of_guessing():
    meta = _on_meta(tvm.vit_b_16)
    rows = features.layer_table(meta, (3, 224, 224))
    by_name = {r.layer: r for r in rows}
    assert by_name["conv_proj"].rf == 16 and by_name["conv_proj"].jump == 16
    assert by_name["encoder.layers.encoder_layer_11.add_1"].field == "unknown"
    assert by_name["heads.head"].shape == (1000,)
    assert sum(r.params for r in rows) == sum(p.numel() for p in meta.parameters())
    frame = figures.layer_table_frame(rows, image_side=224)
    assert "not followed (see operation)" in set(frame["receptive field"])


def test_the_enlarged_map_sends_its_colours_once_and_a_bounded_hover_grid():
    shown = np.zeros((8, 8, 3), np.uint8)
    fmap = np.zeros((2, 2), np.float16)
    fmap[1, 0] = 4.0  # the bottom-left cell: the top of the sequential scale
    fig = features.enlarged_map(shown, fmap, channel=0, opacity=0.5)
    assert [t.type for t in fig.data] == ["image", "heatmap", "image", "image"]
    cells, hover, photo, over = fig.data
    assert over.source == cells.source and over.opacity == 0.5  # the browser blends the same picture
    assert over.dx == 4 and over.x0 == 1.5  # cell (i, j) covers pixels 4j … 4j+3 of the 8-pixel input
    assert np.array_equal(hover.z, [[0, 0], [4, 0]]) and hover.opacity == 0  # exact values, invisible
    top = figures.colourise(np.array([[[1.0]]]), signed=False)[0, 0, 0]
    from PIL import Image
    import base64, io
    png = Image.open(io.BytesIO(base64.b64decode(cells.source.split(",", 1)[1]))).convert("RGB")
    assert png.size == (2, 2) and tuple(png.getpixel((0, 1))) == tuple(top)  # PNG: exact colours


def test_the_hover_grid_is_exact_up_to_56_cells_and_block_maxima_above():
    small = np.random.default_rng(0).normal(size=(56, 56)).astype(np.float32)
    grid = features.hover_grid(small)
    assert grid.exact and np.array_equal(grid.values, small)
    big = np.arange(224 * 224, dtype=np.float32).reshape(224, 224)
    grid = features.hover_grid(big)
    assert grid.block == 7 and grid.values.shape == (32, 32)
    assert grid.values[0, 0] == big[:7, :7].max() and grid.values[-1, -1] == big.max()
    fig = features.enlarged_map(np.zeros((224, 224, 3), np.uint8), big, channel=0)
    assert len(fig.to_json()) < 80_000  # 50,176 exact float32 values alone were ~270 KB


def test_grids_send_small_maps_at_their_own_size():
    maps = np.random.default_rng(1).random(size=(64, 14, 14)).astype(np.float16)
    fig = figures.feature_grid(maps, list(range(16)))
    assert fig.data[0].source.startswith("data:image/png")  # exact; the browser enlarges each cell
    assert len(fig.to_json()) < 20_000
    assert "template" not in fig.to_plotly_json()["layout"]


# --- the traced graph: one trace, torchvision's names, other threads left alone ---------------
@pytest.mark.parametrize("builder,options", [
    (tvm.resnet18, {}), (tvm.efficientnet_b0, {}), (tvm.inception_v3, {"aux_logits": False, "init_weights": False}),
])
def test_layer_names_are_torchvisions(builder, options):
    import inspect
    from torchvision.models.feature_extraction import get_graph_node_names

    meta = _on_meta(builder, **options)
    inputs = set(inspect.signature(meta.forward).parameters)
    expected = [n for n in get_graph_node_names(meta)[1] if n not in inputs]  # eval-mode names
    assert features.list_layers(meta) == expected


def test_meta_shapes_of_attention_networks_equal_a_real_run():
    """The meta run skips layers that keep the shape and works out attention and linear layers itself:
    checked against a real forward pass of small transformers (every layer's output shape)."""
    from torchvision.models.swin_transformer import SwinTransformer
    from torchvision.models.vision_transformer import VisionTransformer

    torch.manual_seed(0)
    nets = [(VisionTransformer(image_size=32, patch_size=8, num_layers=2, num_heads=2, hidden_dim=16, mlp_dim=32), 32),
            (SwinTransformer(patch_size=[4, 4], embed_dim=8, depths=[1, 1], num_heads=[1, 2], window_size=[2, 2]), 32)]
    for net, side in nets:
        net.eval().requires_grad_(False)
        shapes = features.layer_shapes(net, (3, side, side))
        real = features.extract_features(net, torch.randn(1, 3, side, side))
        assert {n: tuple(t.shape[1:]) for n, t in real.items() if isinstance(t, torch.Tensor) and t.ndim} == \
            {n: s for n, s in shapes.items() if s is not None}


def test_tracing_leaves_other_threads_networks_alone():
    """torch.fx patches nn.Module.__call__ for the whole process while it traces; a network another
    session runs meanwhile (a training job) must still run normally."""
    import threading

    net = nn.Sequential(nn.Conv2d(1, 4, 3), nn.ReLU(), nn.Flatten(), nn.Linear(4 * 6 * 6, 10))
    errors, calls, stop = [], [0], threading.Event()

    def run_meanwhile():
        while not stop.is_set():
            try:
                out = net(torch.zeros(1, 1, 8, 8))
                assert isinstance(out, torch.Tensor), type(out)
            except Exception as err:  # noqa: BLE001  (any failure is the finding)
                errors.append(repr(err))
            calls[0] += 1

    worker = threading.Thread(target=run_meanwhile)
    worker.start()
    try:
        while calls[0] == 0:
            stop.wait(0.001)
        for _ in range(3):
            features.list_layers(_on_meta(tvm.resnet50))  # a fresh network each time: traced again
    finally:
        stop.set()
        worker.join()
    assert not errors, errors[:3]
