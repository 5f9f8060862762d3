"""A model pasted as code is counted layer by layer, as model.summary() or torchinfo would count it.

The totals are the ones the frameworks print for these well-known models (PyTorch's CIFAR-10 tutorial
net: 62,006; Keras' MNIST convnet: 121,930); the rest are worked out by the rules the frameworks
document (Dense: inputs × units + units; Conv2D: filters × kh × kw × channels + filters; LSTM: 4 gates)."""

from __future__ import annotations

import pytest

from bot.answer import answer_question
from bot.calc.chat import route_code
from bot.calc.stack import read_stack
from bot.retriever import Retriever

PYTORCH_TUTORIAL = """class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(3, 6, 5)
        self.pool = nn.MaxPool2d(2, 2)
        self.conv2 = nn.Conv2d(6, 16, 5)
        self.fc1 = nn.Linear(16 * 5 * 5, 120)
        self.fc2 = nn.Linear(120, 84)
        self.fc3 = nn.Linear(84, 10)"""

KERAS_MNIST = """model = keras.Sequential([
    layers.Conv2D(32, (3, 3), activation='relu', input_shape=(28, 28, 1)),
    layers.MaxPooling2D((2, 2)),
    layers.Conv2D(64, (3, 3), activation='relu'),
    layers.MaxPooling2D((2, 2)),
    layers.Flatten(),
    layers.Dense(64, activation='relu'),
    layers.Dense(10, activation='softmax')])"""


@pytest.mark.parametrize("code, total, counts", [
    (PYTORCH_TUTORIAL, 62_006, [456, 2_416, 48_120, 10_164, 850]),
    (KERAS_MNIST, 121_930, [320, 0, 18_496, 0, 0, 102_464, 650]),
    ("model = nn.Sequential(nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU(), nn.Linear(64, 10))",
     109_386, [100_480, 0, 8_256, 0, 650]),
    ("model.add(Embedding(10000, 32, input_length=100))\nmodel.add(LSTM(32))\nmodel.add(Dense(1))",
     328_353, [320_000, 8_320, 33]),
    # Keras 1 spelling, 'same' padding and strides change the shapes but not the kernel counts
    ("model.add(Convolution2D(16, 3, 3, border_mode='same', input_shape=(32, 32, 3)))\n"
     "model.add(Conv2D(32, (3, 3), strides=(2, 2), padding='same'))\nmodel.add(Flatten())\nmodel.add(Dense(10))",
     16 * 27 + 16 + 32 * 9 * 16 + 32 + (16 * 16 * 32) * 10 + 10, None),
    ("nn.Linear(512, 512, bias=False)\nnn.LayerNorm(512)\nnn.Embedding(1000, 512)",
     512 * 512 + 2 * 512 + 512_000, [262_144, 1_024, 512_000]),
    ("nn.LSTM(input_size=10, hidden_size=20, num_layers=2)\nnn.Linear(20, 1)",
     4 * 20 * (10 + 20 + 2) + 4 * 20 * (20 + 20 + 2) + 21, [2_560 + 3_360, 21]),
    ("model.add(Dense(64, input_dim=20))\nmodel.add(BatchNormalization())\nmodel.add(GRU(8))",
     None, None),
])
def test_stacks_are_counted_layer_by_layer(code, total, counts):
    stack = read_stack(code)
    assert stack is not None
    if total is not None:
        assert stack.complete and stack.total == total
    if counts is not None:
        assert [layer.params for layer in stack.layers] == counts


def test_keras_batchnorm_keeps_its_moving_statistics_apart():
    stack = read_stack("model.add(Conv2D(8, 3, input_shape=(10, 10, 4)))\nmodel.add(BatchNormalization())\n"
                       "model.add(Flatten())\nmodel.add(Dense(2))")
    # model.summary() prints 4 × channels for BatchNormalization and counts all of them in "Total params"
    assert [layer.params for layer in stack.layers] == [8 * 9 * 4 + 8, 32, 0, 8 * 8 * 8 * 2 + 2]
    assert stack.layers[1].non_trainable == 16 and stack.total == 296 + 32 + 1_026


def test_a_missing_input_size_leaves_that_layer_uncounted_and_the_next_one_still_counted():
    # Keras 1: input_shape held in a variable; the second convolution's channels are the first one's filters
    stack = read_stack("model.add(Convolution2D(32, 5, 5, input_shape=input_shape))\n"
                       "model.add(MaxPooling2D(pool_size=(2, 2)))\nmodel.add(Convolution2D(64, 5, 5))")
    assert [layer.params for layer in stack.layers] == [None, 0, 51_264]
    assert not stack.complete and stack.total == 51_264


@pytest.mark.parametrize("code, asked", [
    ("nn.Linear(4096, 11008)", "how many parameters?"),                      # one layer: the reader's
    (PYTORCH_TUTORIAL, "why does my loss not go down?"),                      # code, but no count asked
    ("(layers): ModuleList(\n (0-31): 32 x LlamaDecoderLayer(\n (q_proj): Linear(in_features=4096, "
     "out_features=4096, bias=False)\n (k_proj): Linear(in_features=4096, out_features=4096, bias=False)",
     "how many parameters does it have?"),                                    # a printed tree repeats layers
    ("Dense(" * 5000, "how many parameters?"),                                # hostile: no hang, no answer
])
def test_code_that_is_not_a_stack_to_count_is_left_alone(code, asked):
    assert route_code(code, asked) is None


@pytest.fixture(scope="module")
def retriever(tmp_path_factory):
    return Retriever.from_kb(cache_dir=tmp_path_factory.mktemp("kb-cache"))


def test_a_pasted_keras_model_gets_the_count_and_the_kb_explains_the_rest(retriever):
    post = ("Keras CNN parameter count\n\nMy model:\n```python\nmodel = Sequential()\n"
            "model.add(Conv2D(16, (3, 3), input_shape=(64, 64, 3)))\nmodel.add(MaxPooling2D(pool_size=(2, 2)))\n"
            "model.add(Conv2D(32, (3, 3)))\nmodel.add(Flatten())\nmodel.add(Dropout(0.5))\nmodel.add(Dense(1))\n```\n"
            "How is the number of parameters of the second Conv2D layer computed? And why does dropout add none?")
    a = answer_question(post, retriever)
    assert a.kind == "calculation"
    second = 32 * 3 * 3 * 16 + 32
    assert f"{second:,}" in a.answer
    assert a.calculation["rows"][2]["count"] == second
    assert "dropout" in a.answer.lower().split("**total**", 1)[1]   # the KB's passage follows the table


KERAS2_SUMMARY = """Layer (type)                 Output Shape              Param #
=================================================================
input_1 (InputLayer)         [(None, 28, 28, 1)]       0
conv2d_1 (Conv2D)            (None, 24, 24, 32)        832
max_pooling2d_1 (MaxPooling2 (None, 12, 12, 32)        0
conv2d_2 (Conv2D)            (None, 8, 8, 64)          51264
flatten_1 (Flatten)          (None, 4096)              0
dense_1 (Dense)              (None, 128)               524416
batch_normalization_1 (Batch (None, 128)               512
dense_2 (Dense)              (None, 10)                1290
=================================================================
Total params: 578,314"""

KERAS3_SUMMARY = """┏━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━━━━━━━━━━┳━━━━━━━━━━━━━━━┓
┃ Layer (type)                    ┃ Output Shape           ┃       Param # ┃
┡━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━━━━━━━━━━╇━━━━━━━━━━━━━━━┩
│ embedding (Embedding)           │ (None, 100, 64)        │       640,000 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ lstm (LSTM)                     │ (None, 32)             │        12,416 │
├─────────────────────────────────┼────────────────────────┼───────────────┤
│ dense (Dense)                   │ (None, 1)              │            33 │
└─────────────────────────────────┴────────────────────────┴───────────────┘"""


@pytest.mark.parametrize("table, total, workings", [
    (KERAS2_SUMMARY, 578_314, {2: "(5 × 5 kernel × 1 channel + 1 bias) × 32 filters",
                               4: "(5 × 5 kernel × 32 channels + 1 bias) × 64 filters",
                               6: "(4,096 inputs + 1 bias) × 128 units", 7: "4 × 128 (gamma, beta",
                               8: "(128 inputs + 1 bias) × 10 units"}),
    (KERAS3_SUMMARY, 652_449, {1: "10,000 tokens × 64 dimensions",
                               2: "4 × (32 × (64 inputs + 32 recurrent) + 32 biases)",
                               3: "(32 inputs + 1 bias) × 1 unit"}),
])
def test_a_pasted_summary_is_explained_row_by_row(table, total, workings):
    from bot.calc.stack import read_summary

    stack = read_summary(table)
    assert stack is not None and stack.given and stack.total == total
    for row, working in workings.items():
        assert stack.layers[row - 1].working.startswith(working), (row, stack.layers[row - 1].working)
    answer = route_code(table + "\nHow is the Param # of each layer computed?", "How is the Param # computed?")
    assert answer is not None and f"{total:,}" in answer.markdown
