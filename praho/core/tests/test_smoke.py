def test_login_page_renders(client):
    response = client.get("/accounts/login/")
    assert response.status_code == 200
    assert b'<main id="main"' in response.content


def test_staff_without_second_factor_is_sent_to_totp_setup(client, nora_nomfa):
    client.force_login(nora_nomfa)
    response = client.get("/staff/")
    assert response.status_code == 302
    assert response["Location"] == "/accounts/2fa/totp/activate/"


def test_staff_with_totp_reaches_dashboard(client, alice_admin):
    client.force_login(alice_admin)
    response = client.get("/staff/")
    assert response.status_code == 200
