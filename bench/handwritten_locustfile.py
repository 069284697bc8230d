"""The benchmark workload written by hand, as a Locust user would without loadspec."""

import os
import time
import uuid

from locust import FastHttpUser, constant, task

TOKEN = os.environ.get("LOADSPEC_TOKEN_STAFF", "loadspec-stub-staff-token")
BUSINESS = os.environ.get("LOADSPEC_VAR_BUSINESS_ID", "loadspec-demo-business")
HEADERS = {"Authorization": f"Bearer {TOKEN}"}


class Handwritten(FastHttpUser):
    wait_time = constant(0)

    def on_start(self) -> None:
        with self.client.post(
            "/business/communication/channels",
            json={"business_uid": BUSINESS, "type": "transactional"},
            headers=HEADERS,
            name="POST /business/communication/channels",
            catch_response=True,
        ) as response:
            self.channel_uid = response.json()["data"]["channel"]["uid"]
        while True:
            with self.client.get(
                f"/business/communication/channels/{self.channel_uid}",
                headers=HEADERS,
                name="GET /business/communication/channels/{uid} (poll)",
                catch_response=True,
            ) as response:
                if response.json()["data"]["channel"]["status"] == "active":
                    break
            time.sleep(0.1)

    @task
    def send(self) -> None:
        with self.client.get(
            f"/platform/v1/clients?business_id={BUSINESS}&per_page=1",
            headers=HEADERS,
            name="GET /platform/v1/clients",
            catch_response=True,
        ) as response:
            if response.status_code != 200:
                response.failure(f"expected 200, got {response.status_code}")
                return
            contact_uid = response.json()["data"]["clients"][0]["id"]
        unique = uuid.uuid4().hex
        with self.client.post(
            "/business/communication/messages",
            json={
                "channel_uid": self.channel_uid,
                "external_uid": f"bench-{unique}",
                "contact_uid": contact_uid,
                "message": "benchmark message",
                "message_uid": f"msg-{unique}",
            },
            headers=HEADERS,
            name="POST /business/communication/messages",
            catch_response=True,
        ) as response:
            if response.status_code != 201:
                response.failure(f"expected 201, got {response.status_code}")
