def test_home_page_serves_fund_totals(client, fund):
    response = client.get("/")
    assert response.status_code == 200
    assert "Children&#x27;s Protection Fund" in response.content.decode()
