from locus_iac.errors import Issue, UnsafeArchiveError, ValidationError, json_pointer


def test_json_pointer_escapes_rfc6901_specials() -> None:
    assert json_pointer("vnfd", "vdu", 0, "a/b~c") == "/vnfd/vdu/0/a~1b~0c"
    assert json_pointer() == ""


def test_validation_error_lists_every_issue() -> None:
    issues = [Issue("/vnfd/id", "missing-field", "id is required"), Issue("", "x", "y")]
    err = UnsafeArchiveError("bad archive", issues)
    assert isinstance(err, ValidationError)
    text = str(err)
    assert "/vnfd/id: id is required [missing-field]" in text
    assert "/: y [x]" in text
    assert err.issues[0].as_dict() == {
        "path": "/vnfd/id",
        "code": "missing-field",
        "message": "id is required",
    }
