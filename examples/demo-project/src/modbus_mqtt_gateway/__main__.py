import sys

from modbus_mqtt_gateway.cli import main

sys.exit(main())
