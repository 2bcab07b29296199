"""Breast ultrasound B-mode JPEG with a hypoechoic nodule and planted identifiers.

``size`` is (rows, cols) like a numpy shape: the default (600, 800) is a landscape frame.
Layout: a black header band on top (:func:`header_band_box`) with the patient's name, ID,
date and institution burned into the pixels, in Pillow's bitmap font scaled up so OCR can
read it; below it the rectangular field of a linear probe with speckle, tissue layers and the
nodule. Benign nodules are smooth ellipses wider than tall with posterior enhancement;
malignant ones are taller than wide, lobulated and spiculated, with posterior shadowing.
:func:`breast_nodule_mask` gives the nodule's pixels.

Metadata planted (all of it must go at de-identification): EXIF (Make, Model = station,
BodySerialNumber, DateTime, DateTimeOriginal, Artist = operator, ImageDescription and
UserComment with name/ID/dates, Copyright = institution, GPS position), an XMP packet, a COM
comment segment, an sRGB ICC profile, and bytes after the EOI marker. No EXIF thumbnail: Pillow
cannot write IFD1.
"""

from __future__ import annotations

import io

import numpy as np
from PIL import Image, ImageCms, ImageDraw, ImageFont
from scipy import ndimage

from .identity import PlantedIdentity

JPEG_QUALITY = 90
_MIN_SIZE = (240, 320)


def _check_size(size: tuple[int, int]) -> tuple[int, int]:
    rows, cols = (int(v) for v in size)
    if rows < _MIN_SIZE[0] or cols < _MIN_SIZE[1]:
        raise ValueError(f"size must be at least {_MIN_SIZE} (rows, cols), got {size}")
    return rows, cols


def header_band_box(size: tuple[int, int] = (600, 800)) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the burned-in header band, Pillow box convention."""
    rows, cols = _check_size(size)
    return (0, 0, cols, max(48, rows // 10))


def field_box(size: tuple[int, int] = (600, 800)) -> tuple[int, int, int, int]:
    """(left, top, right, bottom) of the B-mode field (the probe's image)."""
    rows, cols = _check_size(size)
    band = header_band_box(size)[3]
    return (cols // 10, band + 8, cols - cols // 10, rows - 8)


def _nodule_geometry(seed: int, malignant: bool, size: tuple[int, int]):
    """Centre (row, col) in field coordinates and the radius function of the nodule."""
    left, top, right, bottom = field_box(size)
    h, w = bottom - top, right - left
    rng = np.random.default_rng([seed, 10, int(malignant)])
    r0 = min(h, w) * rng.uniform(0.10, 0.14)
    centre = (h * rng.uniform(0.38, 0.5), w * rng.uniform(0.35, 0.65))
    if malignant:  # taller than wide, lobulated, with spicules
        a, b = r0 * rng.uniform(0.8, 0.95), r0 * rng.uniform(1.05, 1.25)
        lobes = [(k, rng.uniform(0.04, 0.09), rng.uniform(0, 2 * np.pi)) for k in range(3, 8)]
        n_spikes = int(rng.integers(9, 15))
        spikes = list(
            zip(rng.uniform(-np.pi, np.pi, n_spikes), rng.uniform(0.25, 0.6, n_spikes), strict=True)
        )
    else:  # wider than tall, smooth
        a, b = r0 * rng.uniform(1.2, 1.45), r0 * rng.uniform(0.7, 0.85)
        lobes = [(2, rng.uniform(0.0, 0.03), rng.uniform(0, 2 * np.pi))]
        spikes = []

    def radius(theta: np.ndarray) -> np.ndarray:
        base = a * b / np.sqrt((b * np.cos(theta)) ** 2 + (a * np.sin(theta)) ** 2)
        bump = sum(amp * np.cos(k * theta + phase) for k, amp, phase in lobes)
        for angle, amp in spikes:
            gap = np.angle(np.exp(1j * (theta - angle)))
            bump = bump + amp * np.exp(-((gap / 0.045) ** 2))
        return base * (1 + bump)

    return centre, radius, (h, w)


def _field_nodule_mask(seed: int, malignant: bool, size: tuple[int, int]) -> np.ndarray:
    (cr, cc), radius, (h, w) = _nodule_geometry(seed, malignant, size)
    rows, cols = np.mgrid[:h, :w].astype(np.float32)
    dr, dc = rows - cr, cols - cc
    return np.hypot(dr, dc) <= radius(np.arctan2(dr, dc))


def breast_nodule_mask(*, seed: int, malignant: bool, size=(600, 800)) -> np.ndarray:
    """Boolean (rows, cols) mask of the nodule in the full image of the same seed."""
    rows, cols = _check_size(size)
    left, top, right, bottom = field_box(size)
    mask = np.zeros((rows, cols), dtype=bool)
    mask[top:bottom, left:right] = _field_nodule_mask(seed, malignant, size)
    return mask


def _smooth_noise(rng: np.random.Generator, shape, sigma) -> np.ndarray:
    field = ndimage.gaussian_filter(rng.standard_normal(shape).astype(np.float32), sigma)
    return field / (field.std() + 1e-6)


def _bmode_field(seed: int, malignant: bool, size: tuple[int, int]) -> np.ndarray:
    """B-mode field in [0, 255]: tissue layers x speckle, nodule, posterior acoustic effect."""
    rng = np.random.default_rng([seed, 11, int(malignant)])
    (cr, cc), radius, (h, w) = _nodule_geometry(seed, malignant, size)
    depth = np.linspace(0, 1, h, dtype=np.float32)[:, None]
    wave = 0.03 * _smooth_noise(rng, (1, w), (0, w / 12))  # layer boundaries undulate
    d = depth + wave
    echo = np.select(
        [d < 0.04, d < 0.2, d < 0.68, d < 0.82],
        [0.95, 0.35, 0.7, 0.45],
        default=0.15,
    ).astype(np.float32)
    echo *= 1 + 0.25 * _smooth_noise(rng, (h, w), (h / 40, w / 25))  # glandular texture
    np.clip(echo, 0.05, None, out=echo)
    nodule = _field_nodule_mask(seed, malignant, size)
    echo[nodule] = 0.12
    below = (np.arange(h)[:, None] > cr) & (np.abs(np.arange(w)[None, :] - cc) < radius(0.0) * 0.8)
    echo[below & ~nodule] *= 0.45 if malignant else 1.35  # shadowing vs enhancement
    echo = ndimage.gaussian_filter(echo, 1.5)
    # Speckle: envelope of a complex Gaussian field blurred by the point-spread function,
    # longer laterally than axially.
    iq = rng.standard_normal((2, h, w)).astype(np.float32)
    iq = ndimage.gaussian_filter(iq, (0, 0.8, 2.0))
    speckle = np.hypot(iq[0], iq[1])
    speckle /= speckle.mean()
    attenuation = np.exp(-0.5 * depth)
    b = echo * speckle * attenuation
    return np.clip(255 * (b / 1.6) ** 0.7, 0, 255)


def _burn_header(img: Image.Image, identity: PlantedIdentity) -> None:
    left, top, right, bottom = header_band_box((img.height, img.width))
    font = ImageFont.load_default_imagefont()  # Pillow's bitmap font: deterministic
    lines = identity.burned_in_text()
    line_h = 11
    small = Image.new("L", ((right - left) // 2, len(lines) * line_h + 4), 0)
    draw = ImageDraw.Draw(small)
    for i, line in enumerate(lines):
        draw.text((4, 2 + i * line_h), line, fill=235, font=font)
    scale = max(1, min((bottom - top) // small.height, (right - left) // small.width))
    big = small.resize((small.width * scale, small.height * scale), Image.Resampling.NEAREST)
    band = Image.new("L", (right - left, bottom - top), 0)
    band.paste(big.crop((0, 0, min(big.width, band.width), min(big.height, band.height))), (0, 0))
    img.paste(Image.merge("RGB", (band, band, band)), (left, top))


def _depth_scale(draw: ImageDraw.ImageDraw, size: tuple[int, int]) -> None:
    left, top, right, bottom = field_box(size)
    for i, y in enumerate(np.linspace(top, bottom - 1, 5)):
        draw.line([(right + 6, y), (right + 14, y)], fill=(200, 200, 200))
        draw.text((right + 18, y - 5), f"{i}cm", fill=(200, 200, 200))


def _exif(identity: PlantedIdentity) -> Image.Exif:
    exif = Image.Exif()
    description = (
        f"{identity.patient_name} {identity.patient_id} {identity.study_date_burned} "
        f"born {identity.birth_date_burned}"
    )
    exif[0x010F] = "SYNTHSONIC"  # Make
    exif[0x0110] = identity.station_name  # Model: the console's name, as some vendors do
    exif[0x010E] = description  # ImageDescription
    exif[0x013B] = identity.operator_name  # Artist
    exif[0x8298] = identity.institution_name  # Copyright
    exif[0x0132] = identity.exif_datetime  # DateTime
    sub = exif.get_ifd(0x8769)  # Exif IFD
    sub[0x9003] = identity.exif_datetime  # DateTimeOriginal
    sub[0xA431] = identity.device_serial_number  # BodySerialNumber
    sub[0x9286] = b"ASCII\0\0\0" + f"Exam of {identity.patient_name_burned}".encode()
    gps = exif.get_ifd(0x8825)
    lat = 43.0 + identity.seed % 600 / 100
    gps.update({1: "N", 2: (float(int(lat)), float(int(lat % 1 * 60)), 0.0), 3: "E"})
    gps[4] = (2.0, 21.0, 5.0)
    return exif


def _xmp(identity: PlantedIdentity) -> bytes:
    return (
        '<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>'
        '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF '
        'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f'<rdf:Description rdf:about="" dc:creator="{identity.operator_name}" '
        f'dc:title="{identity.patient_name_burned}" dc:identifier="{identity.patient_id}" '
        f'dc:date="{identity.study_date.isoformat()}" dc:publisher="{identity.institution_name}"/>'
        '</rdf:RDF></x:xmpmeta><?xpacket end="w"?>'
    ).encode()


def breast_ultrasound_jpeg(
    *, seed: int, malignant: bool, identity: PlantedIdentity, size=(600, 800)
) -> bytes:
    """JPEG bytes of a B-mode breast ultrasound frame; same arguments give the same bytes."""
    rows, cols = _check_size(size)
    left, top, right, bottom = field_box(size)
    gray = np.zeros((rows, cols), dtype=np.uint8)
    gray[top:bottom, left:right] = np.rint(_bmode_field(seed, malignant, (rows, cols)))
    img = Image.fromarray(gray, "L").convert("RGB")
    _burn_header(img, identity)
    _depth_scale(ImageDraw.Draw(img), (rows, cols))
    out = io.BytesIO()
    icc = ImageCms.ImageCmsProfile(ImageCms.createProfile("sRGB")).tobytes()
    img.save(
        out,
        "JPEG",
        quality=JPEG_QUALITY,
        exif=_exif(identity),
        xmp=_xmp(identity),
        comment=f"{identity.patient_name} {identity.patient_id} {identity.institution_name}",
        icc_profile=icc,
    )
    trailer = f"\0SYNTHSONIC {identity.patient_name_burned} {identity.patient_id}".encode()
    return out.getvalue() + trailer
