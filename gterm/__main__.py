from gterm.cli import main

raise SystemExit(main())
