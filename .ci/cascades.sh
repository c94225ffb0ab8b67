# shellcheck shell=bash
# Sourced by .ci/run: OpenCV's two Haar cascades for the DeepFace `opencv` detector tests.
#
# OpenCV 5 wheels ship no cascades (cv2/data is empty), and tests never download. So CI takes them
# from an OpenCV 4 wheel on PyPI (the registry CI installs from anyway), checks them against the
# sha256 that liveness/backends/deepface/weights.py pins, and points the tests at them:
# LIVECRED_CASCADES_DIR (read by tests/liveness/backends/deepface/conftest.py). Nothing is written
# into ../shared or the checkout. A developer runs the same (docs/deepface.md):
#   source .ci/cascades.sh && livecred models fetch --backend deepface --model opencv --from "$LIVECRED_CASCADES_DIR"

# Any OpenCV 4 wheel holds the same two files (unchanged in OpenCV's tree since 2013).
CASCADES_WHEEL="${CASCADES_WHEEL:-opencv-python-headless==4.10.0.84}"

fetch_cascades() {
  local work
  work="$(mktemp -d -t livecred-cascades.XXXXXX)"
  # pip from a throwaway venv (as .ci/wheel-smoke.sh does): the system Python may have none.
  python3 -m venv "$work/venv"
  "$work/venv/bin/pip" download --quiet --no-deps --only-binary=:all: --dest "$work/wheel" "$CASCADES_WHEEL"
  # The wheel's two files, extracted and checked by the pins of the DeepFace weight registry
  # (read from its source: CI's system Python has none of livecred's dependencies).
  python3 - "$work" "$(dirname "${BASH_SOURCE[0]}")/../liveness/backends/deepface/weights.py" <<'PY'
import ast, hashlib, pathlib, sys, zipfile

work, registry = pathlib.Path(sys.argv[1]), pathlib.Path(sys.argv[2])
names = ("haarcascade_frontalface_default.xml", "haarcascade_eye.xml")
pins = {}
for node in ast.walk(ast.parse(registry.read_text())):
    if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "DeepFaceWeight":
        values = [a.value for a in node.args if isinstance(a, ast.Constant)]
        if values and values[0] in names:
            pins[values[0]] = next(v for v in values if isinstance(v, str) and len(v) == 64)
if set(pins) != set(names):
    sys.exit(f"cascades: the registry pins {sorted(pins)}, not {list(names)}")
(wheel,) = (work / "wheel").glob("*.whl")
with zipfile.ZipFile(wheel) as archive:
    for name in names:
        data = archive.read(f"cv2/data/{name}")
        digest = hashlib.sha256(data).hexdigest()
        if digest != pins[name]:
            sys.exit(f"cascades: {name} from {wheel.name} has sha256 {digest}, the registry pins {pins[name]}")
        (work / name).write_bytes(data)
print(f"cascades: {', '.join(names)} from {wheel.name}, sha256 as pinned")
PY
  rm -rf "$work/wheel" "$work/venv"
  export LIVECRED_CASCADES_DIR="$work"
}

fetch_cascades
