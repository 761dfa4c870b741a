from pathlib import Path

import pytest

from app import config, create_app


def test_production_refuses_to_start_without_a_secret_key(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match="VANTHU_SECRET_KEY"):
        create_app({"HOME": str(tmp_path), "ENV": "production", "SECRET_KEY": ""})


def test_production_refuses_a_short_secret_key(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match="at least 32"):
        create_app({"HOME": str(tmp_path), "ENV": "production", "SECRET_KEY": "changeme"})


def test_development_starts_without_a_secret_key(tmp_path: Path) -> None:
    app = create_app({"HOME": str(tmp_path), "ENV": "development", "SECRET_KEY": ""})
    assert len(app.config["SECRET_KEY"]) >= 32


def test_home_config_file_then_environment_override_defaults(tmp_path: Path) -> None:
    (tmp_path / "config.py").write_text("MAX_UPLOAD_MB = 7\nSECRET_KEY = 'k' * 40\n")
    settings = config.load(
        environ={
            "VANTHU_HOME": str(tmp_path),
            "VANTHU_MAX_UPLOAD_MB": "9",
            "VANTHU_MINIO_SECURE": "true",
        }
    )
    assert settings["MAX_UPLOAD_MB"] == 9
    assert settings["MINIO_SECURE"] is True
    assert settings["SECRET_KEY"] == "k" * 40
    assert settings["DATABASE_URL"] == f"sqlite:///{tmp_path.resolve() / 'vanthu.db'}"


def test_a_malformed_number_in_the_environment_is_named(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match="VANTHU_MAX_UPLOAD_MB"):
        config.load(environ={"VANTHU_HOME": str(tmp_path), "VANTHU_MAX_UPLOAD_MB": "lots"})


def test_a_timestamp_level_without_a_tsa_refuses_to_start(tmp_path: Path) -> None:
    with pytest.raises(config.ConfigError, match="VANTHU_TSA_URL"):
        create_app({"HOME": str(tmp_path), "ENV": "testing", "SIGNATURE_LEVEL": "B-T"})
    with pytest.raises(config.ConfigError, match="SIGNATURE_LEVEL"):
        create_app({"HOME": str(tmp_path), "ENV": "testing", "SIGNATURE_LEVEL": "B-X"})
