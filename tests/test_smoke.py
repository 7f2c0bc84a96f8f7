def test_inbound_call_enters_the_menu_of_the_number_called(
    webhook_client, payload, menu_tree
):
    response = webhook_client.call_action(payload("vca-call-received-inbound"))
    assert response.status_code == 200
    assert response.json()["clientActionId"] == "main"
