"""Reading scans, and refusing bad files with a one-line reason."""

import subprocess
import zlib

import numpy as np
import pikepdf
import pytest
from PIL import Image

from worker.rasterise import Limits, UnreadableDocument, _render_pdf_page, embedded_scan, inspect, load_page


def test_pdf_page_renders_at_its_scan_resolution(forged_scan):
    info = inspect(forged_scan)
    assert (info.kind, info.page_count) == ("pdf", 1)
    image, dpi = load_page(forged_scan, 1, dpi=400)
    assert dpi == 300  # the office profile scans at 300 dpi; rendering higher adds no detail
    assert image.shape[:2] == (3508, 2480)


def test_scanned_page_is_read_out_of_the_pdf_with_the_pixels_poppler_shows(forged_scan):
    image, dpi = embedded_scan(forged_scan, 1, dpi=300)
    rendered, rendered_dpi = _render_pdf_page(forged_scan, 1, 300, Limits())
    assert dpi == rendered_dpi == 300 and image.shape == rendered.shape
    assert np.abs(image.astype(int) - rendered.astype(int)).mean() < 8  # Poppler resamples; same page


def test_a_scan_finer_than_asked_is_scaled_down(forged_scan):
    image, dpi = load_page(forged_scan, 1, dpi=150)
    assert dpi == 150 and abs(image.shape[0] - 1754) <= 1 and abs(image.shape[1] - 1240) <= 1


def test_page_rotate_is_honoured(tmp_path, forged_scan):
    turned = tmp_path / "turned.pdf"
    with pikepdf.open(forged_scan) as pdf:
        pdf.pages[0].obj.Rotate = 90
        pdf.save(turned)
    image, _ = embedded_scan(turned, 1, dpi=300)
    rendered, _ = _render_pdf_page(turned, 1, 300, Limits())
    assert image.shape == rendered.shape == (2480, 3508)
    assert np.abs(image.astype(int) - rendered.astype(int)).mean() < 8


def test_a_page_with_more_than_its_scan_is_rendered(tmp_path, forged_scan):
    annotated = tmp_path / "annotated.pdf"
    with pikepdf.open(forged_scan) as pdf:
        page = pdf.pages[0]
        page.contents_add(pdf.make_stream(b"0 0 0 RG 4 w 50 50 m 500 50 l S"))  # a drawn line over the scan
        pdf.save(annotated)
    assert embedded_scan(annotated, 1, dpi=300) is None
    image, dpi = load_page(annotated, 1, dpi=300)
    assert dpi == 300 and image.shape[:2] == (3508, 2480)
    assert image[3508 - 50 * 300 // 72, 1000] < 100  # the line is on the rendered page


def test_multipage_tiff(tmp_path):
    pages = [Image.fromarray(np.full((300, 200), v, np.uint8)) for v in (10, 120, 250)]
    path = tmp_path / "box.tif"
    pages[0].save(path, save_all=True, append_images=pages[1:], dpi=(200, 200))
    assert inspect(path).page_count == 3
    image, dpi = load_page(path, 2, dpi=300)
    assert dpi == 200 and image.shape == (300, 200) and int(image.mean()) == 120


@pytest.mark.parametrize(
    "content,reason",
    [
        (b"", "empty file"),
        (b"this is not a pdf at all", "not a PDF"),
        (b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog", "damaged PDF"),
    ],
)
def test_bad_files_get_a_reason(tmp_path, content, reason):
    path = tmp_path / "scan.pdf"
    path.write_bytes(content)
    with pytest.raises(UnreadableDocument, match=reason):
        inspect(path)


def test_encrypted_pdf(tmp_path, forged_scan):
    locked = tmp_path / "locked.pdf"
    subprocess.run(["qpdf", "--encrypt", "secret", "secret", "256", "--", str(forged_scan), str(locked)], check=True)
    with pytest.raises(UnreadableDocument, match="encrypted"):
        inspect(locked)


def test_page_limit(forged_scan):
    with pytest.raises(UnreadableDocument, match="over the limit of 0"):
        inspect(forged_scan, Limits(max_pages=0))


def test_pixel_limit_is_checked_before_decoding(tmp_path):
    path = tmp_path / "bomb.png"
    Image.new("L", (3000, 3000), 255).save(path)
    with pytest.raises(UnreadableDocument, match="over the limit"):
        load_page(path, 1, dpi=300, limits=Limits(max_pixels=1_000_000))


def test_an_image_pikepdf_cannot_decode_is_rendered_by_poppler(tmp_path, monkeypatch):
    gray = np.tile(np.linspace(0, 255, 600, dtype=np.uint8), (800, 1))
    path = tmp_path / "flate.pdf"
    with pikepdf.new() as pdf:  # a Flate-coded 8-bit gray scan, 600x800 px on a 216x288 pt page (200 dpi)
        image = pikepdf.Stream(
            pdf,
            zlib.compress(gray.tobytes()),
            Type=pikepdf.Name.XObject,
            Subtype=pikepdf.Name.Image,
            Width=600,
            Height=800,
            BitsPerComponent=8,
            ColorSpace=pikepdf.Name.DeviceGray,
            Filter=pikepdf.Name.FlateDecode,
        )
        pdf.add_blank_page(page_size=(216, 288))
        page = pdf.pages[0]
        page.obj.Resources = pikepdf.Dictionary(XObject=pikepdf.Dictionary(Im0=image))
        page.obj.Contents = pdf.make_stream(b"q 216 0 0 288 0 0 cm /Im0 Do Q")
        pdf.save(path)
    read, dpi = embedded_scan(path, 1, dpi=300)
    assert dpi == 200 and np.array_equal(read, gray)

    def fails(self):
        raise pikepdf.models.image.UnsupportedImageTypeError("no decoder here")

    monkeypatch.setattr(pikepdf.PdfImage, "as_pil_image", fails)
    assert embedded_scan(path, 1, dpi=300) is None
    image, dpi = load_page(path, 1, dpi=300)
    assert dpi == 200 and image.shape == (800, 600) and abs(int(image[400, 300]) - int(gray[400, 300])) < 8


def _with_jpeg(tmp_path, forged_scan, jpeg: bytes):
    """The forged scan with its page image's JPEG replaced, the PDF's stated /Width and /Height kept."""
    path = tmp_path / "swapped.pdf"
    with pikepdf.open(forged_scan) as pdf:
        page = pdf.pages[0]
        image = next(iter(page.obj.Resources.XObject.values()))
        image.write(jpeg, filter=pikepdf.Name.DCTDecode)
        pdf.save(path)
    return path


def test_the_jpegs_own_size_is_checked_before_decoding(tmp_path, forged_scan):
    import io

    buf = io.BytesIO()
    Image.new("L", (6000, 6000), 255).save(buf, "JPEG", quality=20)
    path = _with_jpeg(tmp_path, forged_scan, buf.getvalue())
    with pytest.raises(UnreadableDocument, match="6000x6000 px, over the limit"):
        embedded_scan(path, 1, 300, Limits(max_pixels=20_000_000))


def test_a_jpeg_of_another_size_than_the_pdf_says_is_a_damaged_page(tmp_path, forged_scan):
    import io

    buf = io.BytesIO()
    Image.new("L", (1200, 900), 255).save(buf, "JPEG")
    path = _with_jpeg(tmp_path, forged_scan, buf.getvalue())
    with pytest.raises(UnreadableDocument, match="damaged image .*1200x900"):
        embedded_scan(path, 1, 300, Limits())
