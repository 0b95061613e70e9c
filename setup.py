"Package metadata comes from settings.ini (nbdev 2.4 layout)."
from configparser import ConfigParser
import setuptools

cfg = ConfigParser(delimiters=["="])
cfg.read("settings.ini", encoding="utf-8")
cfg = cfg["DEFAULT"]
requirements = cfg.get("requirements", "").split()
dev_requirements = cfg.get("dev_requirements", "").split()
gguf_requirements = cfg.get("gguf_requirements", "").split()  # transformers' GGUF loading
paper_requirements = cfg.get("paper_requirements", "").split()  # the paper kit (gwpaper.paper): notebooks, datasets
lens_requirements = cfg.get("lens_requirements", "").split()  # TransformerLens HookedTransformer models for layers="all" (3.x: 4.0 removed HookedTransformer)

setuptools.setup(
    name=cfg["lib_name"],
    version=cfg["version"],
    description=cfg["description"],
    long_description=open("README.md", encoding="utf-8").read(),
    long_description_content_type="text/markdown",
    author=cfg["author"],
    author_email=cfg["author_email"],
    license="Apache-2.0",
    url=cfg["git_url"],
    keywords=cfg["keywords"],
    packages=setuptools.find_packages(include=["gwpaper", "gwpaper.*"]),
    include_package_data=True,
    install_requires=requirements,
    extras_require={"paper": paper_requirements, "dev": dev_requirements, "gguf": gguf_requirements, "lens": lens_requirements},
    python_requires=">=" + cfg["min_python"],
    zip_safe=False,
    entry_points={"console_scripts": cfg.get("console_scripts", "").split(),
                  "nbdev": [f"{cfg['lib_path']}={cfg['lib_path']}._modidx:d"]},
)
