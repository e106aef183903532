"""Machines registered and removed over the API (the dashboard's Admin
page; http_api_machines.c), against the real gfcloud and its store: a
made password is answered once and signs the machine in, a chosen one is
never echoed, a second add is 409, bad fields are 400 and add nothing, a
removed machine cannot sign in any more, and both are in the audit
trail."""

import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import gfharness as gh  # noqa: E402

PASSWORD = "ab" * 32


class MachinesApiTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cloud = gh.Cloud()

    @classmethod
    def tearDownClass(cls):
        cls.cloud.close()

    def serials(self):
        _, body = self.cloud.api("GET", "/api/v1/machines")
        return sorted(m["serial"] for m in body["machines"])

    def test_add_sign_in_remove(self):
        c = self.cloud
        status, body = c.api("POST", "/api/v1/machines",
                             body={"serial": "S10000101"})
        self.assertEqual(status, 201, body)
        self.assertEqual(body["serial"], "S10000101")
        self.assertRegex(body["password"], "^[0-9a-f]{64}$")
        self.assertIn("auth_token", c.sign_in(10000101, body["password"]))
        self.assertIn("S10000101", self.serials())

        status, again = c.api("POST", "/api/v1/machines",
                              body={"serial": 10000101})
        self.assertEqual((status, again["code"]), (409, "exists"))

        status, gone = c.api("DELETE", "/api/v1/machines/S10000101")
        self.assertEqual((status, gone), (200, {"removed": "S10000101"}))
        self.assertEqual(c.sign_in_raw(10000101, body["password"])[0], 401)
        self.assertNotIn("S10000101", self.serials())
        status, gone = c.api("DELETE", "/api/v1/machines/S10000101")
        self.assertEqual((status, gone["code"]), (404, "no_machine"))

        _, audit = c.api("GET", "/api/v1/audit?limit=1000")
        whats = [(a["what"], a["target"]) for a in audit["audit"]
                 if a["target"] == "machine:S10000101"]
        self.assertEqual(whats, [("machine.add", "machine:S10000101"),
                                 ("machine.remove", "machine:S10000101")])

    def test_a_chosen_password_is_not_echoed(self):
        c = self.cloud
        status, body = c.api("POST", "/api/v1/machines",
                             body={"serial": "10000102",
                                   "password": PASSWORD})
        self.assertEqual((status, body), (201, {"serial": "S10000102"}))
        c.sign_in(10000102, PASSWORD)

    def test_bad_fields_add_nothing(self):
        c = self.cloud
        before = self.serials()
        for body in ({}, {"serial": "S"}, {"serial": "12x"},
                     {"serial": -5}, {"serial": "1" * 19},
                     {"serial": "10000103", "password": "short"},
                     {"serial": "10000103", "password": 7}, [1], "x"):
            status, answer = c.api("POST", "/api/v1/machines", body=body)
            self.assertEqual(status, 400, (body, answer))
            self.assertIn(answer["code"], ("bad_field", "bad_json"))
        status, answer = c.api("POST", "/api/v1/machines", body=b"{nope")
        self.assertEqual((status, answer["code"]), (400, "bad_json"))
        self.assertEqual(self.serials(), before)
        status, _ = c.api("PUT", "/api/v1/machines")
        self.assertEqual(status, 405)


if __name__ == "__main__":
    unittest.main(verbosity=2)
