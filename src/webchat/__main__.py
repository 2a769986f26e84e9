from webchat.cli import main

raise SystemExit(main())
