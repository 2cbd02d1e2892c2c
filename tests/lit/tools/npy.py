"""Minimal .npy writer/reader for tests (no NumPy needed).

  npy.py write FILE.npy DTYPE SHAPE VALUES   (DTYPE f4|f8|i8, SHAPE like 2x3, VALUES comma-separated,
                                             or "range" for 0, 1, 2, ...)
  npy.py print FILE.npy                      (prints dtype, shape and the values, comma-separated)
"""
import struct
import sys

CODES = {"f4": ("<f4", "f"), "f8": ("<f8", "d"), "i8": ("<i8", "q"), "i4": ("<i4", "i")}


def write(path, dtype, shape, values):
    descr, code = CODES[dtype]
    dims = [int(d) for d in shape.split("x")] if shape else []
    count = 1
    for d in dims:
        count *= d
    if values == "range":
        values = ",".join(str(i) for i in range(count))
    numbers = [float(v) if code in "fd" else int(v) for v in values.split(",")] if values else []
    dim_text = "".join(f"{d}, " for d in dims) if len(dims) == 1 else ", ".join(map(str, dims))
    header = "{'descr': '%s', 'fortran_order': False, 'shape': (%s), }" % (descr, dim_text)
    header += " " * ((64 - (10 + len(header) + 1) % 64) % 64) + "\n"
    with open(path, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
        f.write(struct.pack("<%d%s" % (len(numbers), code), *numbers))


def show(path):
    data = open(path, "rb").read()
    length = struct.unpack("<H", data[8:10])[0]
    header = data[10:10 + length].decode()
    descr = header.split("'descr': '")[1].split("'")[0]
    shape = header.split("'shape': (")[1].split(")")[0]
    code = {"<f4": "f", "<f8": "d", "<i8": "q", "<i4": "i", "|b1": "?"}[descr]
    body = data[10 + length:]
    count = len(body) // struct.calcsize(code)
    values = struct.unpack("<%d%s" % (count, code), body)
    print(descr, "(" + shape + ")", ",".join("%g" % v for v in values))


if sys.argv[1] == "write":
    write(*sys.argv[2:6])
else:
    show(sys.argv[2])
