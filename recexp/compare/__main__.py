"""`python -m recexp.compare PATH...`"""

import sys

from recexp.compare.command import main

sys.exit(main())
