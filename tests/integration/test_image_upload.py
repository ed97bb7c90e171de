"""Image uploads: only real images are kept, re-encoded without metadata, stored by hash and served inertly."""
import io
import re
import struct
import zlib

import pytest
from flask_migrate import upgrade
from PIL import ExifTags, Image, PngImagePlugin
from sqlalchemy import select, text

from app import config as app_config
from app import create_app
from app.audit import AuditEntry
from app.auth import services as accounts
from app.extensions import db
from app.rendering import render_markdown
from app.uploads.models import StoredImage, Upload
from app.uploads.services import load_folder, uploads_folder
from tests.migrating import MIGRATIONS, migrated_to

HASH_NAME = re.compile(r"/uploads/[0-9a-f]{32}\.(png|jpg|webp)")
GPS_LATITUDE = (48.0, 51.0, 24.0)


def png_with_text():
    """A small PNG carrying a text chunk that must not survive."""
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", "home address: 12 Secret Lane")
    out = io.BytesIO()
    Image.new("RGB", (60, 40), (200, 30, 30)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def jpeg_with_gps():
    """A 40x20 JPEG whose EXIF holds a GPS position and says "rotate 90°" (so it shows 20x40)."""
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6
    exif[ExifTags.Base.Make] = "PhoneCo"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = GPS_LATITUDE
    out = io.BytesIO()
    Image.new("RGB", (40, 20), (20, 120, 220)).save(out, format="JPEG", exif=exif)
    return out.getvalue()


def png_declaring(width, height):
    """A PNG of a few dozen bytes whose header declares width x height pixels (a decompression bomb's header)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    pixels = zlib.compress(b"\0" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def upload(client, data, filename="picture.png", content_type="image/png", **extra):
    return client.post("/uploads/new", data={"image": (io.BytesIO(data), filename, content_type), **extra},
                       content_type="multipart/form-data", headers={"Accept": "application/json"})


def stored_image(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return response, Image.open(io.BytesIO(response.data))


@pytest.fixture
def member(make, sign_in):
    user = make.user("snapper")
    sign_in(user)
    return user


def test_a_png_is_re_encoded_without_its_text_and_served_under_its_hash(client, member, app):
    response = upload(client, png_with_text(), filename="my holiday.png", alt="Router lights")
    assert response.status_code == 201, response.get_data(as_text=True)
    result = response.json
    assert HASH_NAME.fullmatch(result["url"]) and "holiday" not in result["url"]
    assert result["markdown"] == f"![Router lights]({result['url']})"
    served, image = stored_image(client, result["url"])
    assert served.mimetype == "image/png" and image.format == "PNG" and image.size == (60, 40)
    assert b"Secret Lane" not in served.data and "Comment" not in image.info
    assert served.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'none'" in served.headers["Content-Security-Policy"]
    assert "sandbox" in served.headers["Content-Security-Policy"]
    assert "max-age=31536000" in served.headers["Cache-Control"] and "public" in served.headers["Cache-Control"]
    row = db.session.scalar(select(Upload))
    assert (row.uploader_id, row.name, row.size) == (member.id, result["name"], len(served.data))
    assert (uploads_folder(app) / result["name"]).is_file()


def test_a_jpeg_loses_its_gps_and_camera_details_but_keeps_its_orientation(client, member):
    original = jpeg_with_gps()
    assert Image.open(io.BytesIO(original)).getexif().get_ifd(ExifTags.IFD.GPSInfo)  # the test file has them
    response = upload(client, original, filename="IMG_0001.JPG", content_type="image/jpeg")
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.json["url"].endswith(".jpg")
    assert response.json["markdown"].startswith("![IMG 0001](")  # alt from the file name when none is given
    served, image = stored_image(client, response.json["url"])
    assert served.mimetype == "image/jpeg" and image.format == "JPEG"
    assert image.size == (20, 40)  # turned upright before the EXIF was dropped
    assert not image.getexif() and "exif" not in image.info
    assert b"PhoneCo" not in served.data and b"Exif" not in served.data


def test_the_same_image_twice_is_one_file_and_two_records(client, member, app):
    first, second = (upload(client, png_with_text()).json for _ in range(2))
    assert first["name"] == second["name"]
    assert len(db.session.scalars(select(Upload)).all()) == 2
    assert [path.name for path in uploads_folder(app).iterdir()] == [first["name"]]


def test_large_images_are_scaled_down_and_gif_keeps_its_first_frame(client, member):
    out = io.BytesIO()
    Image.new("RGB", (3000, 1000), "white").save(out, format="PNG")
    big = upload(client, out.getvalue()).json
    assert (big["width"], big["height"]) == (2048, 683)
    frames = [Image.new("P", (30, 30), colour) for colour in (1, 2, 3)]
    out = io.BytesIO()
    frames[0].save(out, format="GIF", save_all=True, append_images=frames[1:])
    gif = upload(client, out.getvalue(), filename="anim.gif", content_type="image/gif")
    assert gif.status_code == 201 and gif.json["content_type"] == "image/png"
    out = io.BytesIO()
    Image.new("RGBA", (30, 30), (0, 0, 0, 0)).save(out, format="WEBP")
    assert upload(client, out.getvalue(), filename="x.webp", content_type="image/webp").json["url"].endswith(".webp")


@pytest.mark.parametrize("body", [
    b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>",
    b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><rect width="10" height="10"/></svg>',
    b"GIF89a<script>alert(1)</script>",
    b"\x89PNG\r\n\x1a\n" + b"not really",
    b"%PDF-1.4 a document",
])
def test_files_that_are_not_images_are_refused_whatever_their_name(client, member, body, app):
    response = upload(client, body, filename="cute-cat.png", content_type="image/png")
    assert response.status_code == 422
    assert "not an image we accept" in response.json["error"]["message"]
    assert db.session.scalar(select(Upload)) is None and not list(uploads_folder(app).iterdir())


def test_the_upload_page_shows_the_refusal_next_to_the_field(client, member):
    response = client.post("/uploads/new", data={"image": (io.BytesIO(b"<svg/>"), "a.png", "image/png")},
                           content_type="multipart/form-data")
    assert response.status_code == 422
    assert "not an image we accept" in response.get_data(as_text=True)


@pytest.mark.parametrize("size", [(100_000, 100_000), (10_000, 10_000), (8_000, 7_000)])
def test_a_decompression_bomb_header_is_refused_before_decoding(client, member, size):
    bomb = png_declaring(*size)
    assert len(bomb) < 200
    response = upload(client, bomb)
    assert response.status_code == 422
    assert "too many pixels" in response.json["error"]["message"]


def test_a_body_over_the_limit_is_refused_with_413_before_it_is_read(client, member):
    # A ready-made body: the test client would spool a multipart body this large to a temporary file it never closes.
    body = (b'--cut\r\nContent-Disposition: form-data; name="image"; filename="huge.png"\r\n'
            b"Content-Type: image/png\r\n\r\n" + b"\0" * (6 * 1024 * 1024) + b"\r\n--cut--\r\n")
    response = client.post("/uploads/new", data=body, content_type="multipart/form-data; boundary=cut",
                           headers={"Accept": "application/json"})
    assert response.status_code == 413
    assert db.session.scalar(select(Upload)) is None


def test_a_file_over_the_admin_limit_is_refused_with_413(client, member, app):
    app.config["UPLOADS_MAX_BYTES"] = 64 * 1024
    out = io.BytesIO()
    Image.frombytes("L", (300, 300), bytes(range(256)) * 352).save(out, format="PNG", compress_level=0)
    assert len(out.getvalue()) > 64 * 1024
    response = upload(client, out.getvalue())
    assert response.status_code == 413
    assert "at most 0.0625 MB" in response.json["error"]["message"]


def test_other_forms_keep_the_site_wide_body_limit(client, member):
    response = client.post("/preview", data={"body": "x" * (600 * 1024)}, headers={"Accept": "application/json"})
    assert response.status_code == 413


def test_a_daily_quota_counts_the_recorded_uploads(client, member, app):
    app.config["UPLOADS_PER_DAY"] = 1
    assert upload(client, png_with_text()).status_code == 201
    refused = upload(client, png_with_text())
    assert refused.status_code == 429 and "a day allows" in refused.json["error"]["message"]


def test_visitors_cannot_upload(client):
    response = client.post("/uploads/new", data={"image": (io.BytesIO(png_with_text()), "a.png", "image/png")},
                           content_type="multipart/form-data")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]
    assert client.get("/uploads/new").status_code == 302
    assert db.session.scalar(select(Upload)) is None


def test_the_api_uploads_with_a_bearer_token_and_refuses_without(client, make):
    user = make.user("integrator")
    headers = {"Authorization": f"Bearer {accounts.create_api_token(user, now=user.created_at)}"}
    data = {"image": (io.BytesIO(jpeg_with_gps()), "photo.jpg", "image/jpeg"), "alt": "Broken hinge"}
    response = client.post("/api/v1/images", data=data, content_type="multipart/form-data", headers=headers)
    assert response.status_code == 201, response.get_data(as_text=True)
    assert response.headers["Location"] == response.json["url"]
    assert response.json["markdown"] == f"![Broken hinge]({response.json['url']})"
    assert db.session.scalar(select(Upload.uploader_id)) == user.id
    refused = client.post("/api/v1/images", data={"image": (io.BytesIO(b"<svg/>"), "x.png", "image/png")},
                          content_type="multipart/form-data", headers=headers)
    assert refused.status_code == 422 and refused.json["error"]["fields"]["image"]
    anonymous = client.post("/api/v1/images", data={"image": (io.BytesIO(png_with_text()), "a.png", "image/png")},
                            content_type="multipart/form-data")
    assert anonymous.status_code == 401


def test_unknown_or_crafted_names_are_not_served(client):
    for path in ("/uploads/" + "0" * 32 + ".png", "/uploads/..%2Fsecret_key", "/uploads/picture.png",
                 "/uploads/" + "a" * 32 + ".html"):
        assert client.get(path).status_code == 404, path


def test_uploaded_images_render_in_posts_and_other_images_keep_todays_rule():
    html = render_markdown("Look: ![router lights](/uploads/" + "a" * 32 + ".png)")
    assert f'<img alt="router lights" src="/uploads/{"a" * 32}.png">' in html
    assert "<img" in render_markdown("![logo](https://example.com/logo.png)")
    insecure = render_markdown("![logo](http://example.com/logo.png)")
    assert "<img" not in insecure and "logo" in insecure


def test_the_post_forms_offer_an_image_upload(client, member, make):
    question = make.question(author=member)
    answer = make.answer(make.question(), author=member)
    for path in ("/questions/ask", f"/questions/{question.id}/edit", f"/questions/{question.id}",
                 f"/answers/{answer.id}/edit"):
        page = client.get(path, follow_redirects=True).get_data(as_text=True)
        assert 'action="/uploads/new"' in page and 'enctype="multipart/form-data"' in page, path


def test_moderators_remove_an_image_with_a_reason(client, make, sign_in, app):
    sign_in(make.user("snapper"))
    name = upload(client, png_with_text()).json["name"]
    client.post("/sign-out")
    moderator = make.user("mod", role="moderator")
    sign_in(moderator)
    assert name in client.get("/uploads/recent").get_data(as_text=True)
    response = client.post(f"/uploads/{name}/remove", data={"reason": "Shows a customer's home address"})
    assert response.status_code == 302
    assert client.get(f"/uploads/{name}").status_code == 404
    assert not (uploads_folder(app) / name).exists()
    row = db.session.scalar(select(Upload))
    assert row.removed_by_id == moderator.id and row.removed_at is not None
    entry = db.session.scalar(select(AuditEntry).where(AuditEntry.action == "upload.remove"))
    assert entry.target_id == name and entry.reason == "Shows a customer's home address"


def test_members_cannot_remove_images(client, member):
    name = upload(client, png_with_text()).json["name"]
    assert client.post(f"/uploads/{name}/remove", data={"reason": "mine"}).status_code == 403
    assert client.get("/uploads/recent").status_code == 403


@pytest.fixture
def other_host(app, tmp_path):
    """A second app on the same database with folders of its own, as a second host of a deployment is."""
    folder = tmp_path / "other-host"
    other = create_app(app_config.testing_config(str(folder), app.config["SQLALCHEMY_DATABASE_URI"],
                                                 str(folder / "index")))
    other.test_client_class = app.test_client_class
    yield other
    with other.app_context():
        db.session.remove()
        db.engine.dispose()


def test_an_image_uploaded_through_one_host_is_served_by_another(client, member, other_host):
    uploaded = upload(client, png_with_text()).json
    served_here = client.get(uploaded["url"]).data
    served_there = other_host.test_client().get(uploaded["url"])
    assert served_there.status_code == 200 and served_there.data == served_here
    assert (uploads_folder(other_host) / uploaded["name"]).read_bytes() == served_here
    assert db.session.get(StoredImage, uploaded["name"]).data == served_here


def test_a_host_that_lost_its_folder_serves_its_images_from_the_database(client, member, app):
    uploaded = upload(client, png_with_text()).json
    original = client.get(uploaded["url"]).data
    (uploads_folder(app) / uploaded["name"]).unlink()
    assert client.get(uploaded["url"]).data == original
    assert (uploads_folder(app) / uploaded["name"]).is_file()


def test_a_removal_through_one_host_ends_the_image_on_every_host(client, make, sign_in, other_host):
    sign_in(make.user("snapper"))
    name = upload(client, png_with_text()).json["name"]
    assert other_host.test_client().get(f"/uploads/{name}").status_code == 200
    client.post("/sign-out")
    sign_in(make.user("mod", role="moderator"))
    assert client.post(f"/uploads/{name}/remove", data={"reason": "A customer's address"}).status_code == 302
    assert other_host.test_client().get(f"/uploads/{name}").status_code == 404
    assert not (uploads_folder(other_host) / name).exists()
    assert db.session.get(StoredImage, name) is None


def test_load_folder_copies_a_hosts_old_files_into_the_database(client, member, app, tmp_path):
    name = upload(client, png_with_text()).json["name"]
    data = (uploads_folder(app) / name).read_bytes()
    db.session.execute(StoredImage.__table__.delete())
    db.session.commit()
    old_folder = tmp_path / "old-host-files"
    old_folder.mkdir()
    (old_folder / name).write_bytes(data)
    (old_folder / ("f" * 32 + ".png")).write_bytes(data)  # no upload record: not copied
    (uploads_folder(app) / name).unlink()
    assert load_folder(old_folder) == 1
    again = app.test_cli_runner().invoke(args=["uploads", "load-folder", str(old_folder)])
    assert again.exit_code == 0 and "0 image(s) copied" in again.output
    assert client.get(f"/uploads/{name}").data == data


def test_the_migration_copies_the_hosts_files_of_live_uploads_into_the_database(fresh_database_url, tmp_path):
    live, removed = "a" * 32 + ".png", "b" * 32 + ".png"
    with migrated_to(fresh_database_url, tmp_path, "a6c0ffee0118") as migrating:
        folder = uploads_folder(migrating)
        for name in (live, removed):
            (folder / name).write_bytes(name.encode())
        with db.engine.begin() as connection:
            connection.execute(text(
                "INSERT INTO users (id, username, email, password_hash, role, reputation_points, session_version, "
                "created_at) VALUES (1, 'old', 'old@example.com', 'x', 'member', 0, 1, '2026-01-01 00:00:00')"))
            for number, (name, removed_at) in enumerate(((live, None), (live, None), (removed, "2026-01-03"))):
                connection.execute(text(
                    "INSERT INTO uploads (id, uploader_id, name, content_type, size, width, height, created_at, "
                    "removed_at) VALUES (:id, 1, :name, 'image/png', 4, 1, 1, '2026-01-02 00:00:00', :removed)"),
                    {"id": number + 1, "name": name, "removed": removed_at})
        upgrade(directory=MIGRATIONS, revision="5d1e0c7a9b42")
        with db.engine.connect() as connection:
            stored = connection.execute(text("SELECT name, data FROM stored_images")).all()
        assert [(name, bytes(data)) for name, data in stored] == [(live, live.encode())]
